import fs from 'node:fs';
import path from 'node:path';

/** Writes a benchmark's JSON report to `<resultsDir>/<name>-<stamp>.json` and prints it with that path. */
export function writeBenchReport(resultsDir: string, name: string, stamp: string, report: unknown): void {
  const file = path.join(resultsDir, `${name}-${stamp}.json`);
  const text = JSON.stringify(report, null, 2);
  fs.writeFileSync(file, `${text}\n`);
  process.stdout.write(`${text}\nwritten to ${file}\n`);
}

/** Runs a benchmark's `main`: a failure prints its stack and exits 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
