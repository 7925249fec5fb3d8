// comlink ships its Node adapter as UMD without a type entry for this path; the shape is the one it documents.
declare module 'comlink/dist/umd/node-adapter' {
  import type { Endpoint } from 'comlink';
  import type { MessagePort, Worker } from 'node:worker_threads';
  export default function nodeEndpoint(nep: MessagePort | Worker): Endpoint;
}
