import { describe, expect, it } from 'vitest';
import { parseChangeMessage } from '../../workers/change-message';

const parse = (message: unknown) => parseChangeMessage(typeof message === 'string' ? message : JSON.stringify(message));

describe('parseChangeMessage: the change feed acts only on payloads the triggers could have sent', () => {
  it('accepts what the triggers send: asset insert/update with its version, asset delete always re-read, ticket, contact', () => {
    expect(parse({ t: 'a', op: 'i', id: 1, v: 7 })).toEqual({ type: 'change', kind: 'asset', id: 1, version: 7 });
    expect(parse({ t: 'a', op: 'u', id: 2 ** 31 - 1, v: 2 ** 53 - 1 })).toEqual({ type: 'change', kind: 'asset', id: 2 ** 31 - 1, version: 2 ** 53 - 1 });
    expect(parse({ t: 'a', op: 'd', id: 5, v: 9 })).toEqual({ type: 'change', kind: 'asset', id: 5 });
    expect(parse({ t: 't', op: 'u', id: 3 })).toEqual({ type: 'change', kind: 'ticket', id: 3 });
    expect(parse({ t: 'c', op: 'd', id: 4 })).toEqual({ type: 'change', kind: 'contact', id: 4 });
    expect(parse({ t: 'hb', n: '123-4' })).toEqual({ type: 'heartbeat', nonce: '123-4' });
  });

  it("accepts an asset delete with its key only, and what the WAL relay sends: a batch's number and its heartbeat's", () => {
    expect(parse({ t: 'a', op: 'd', id: 5 })).toEqual({ type: 'change', kind: 'asset', id: 5 });
    expect(parse({ t: 'b', s: 12 })).toEqual({ type: 'relay', seq: 12, batch: true });
    expect(parse({ t: 'lh', s: 0 })).toEqual({ type: 'relay', seq: 0, batch: false });
    expect(parse({ t: 'b', s: '12' })).toEqual({ type: 'invalid', reason: 'bad_seq' });
    expect(parse({ t: 'lh', s: -1 })).toEqual({ type: 'invalid', reason: 'bad_seq' });
  });

  it.each([
    ['not JSON', 'a,b', 'not_json'],
    ['empty', '', 'not_json'],
    ['an array', [], 'not_object'],
    ['null', 'null', 'not_object'],
    ['a number', '42', 'not_object'],
    ['an unknown kind', { t: 'x', op: 'u', id: 1 }, 'unknown_kind'],
    ['a kind inherited from Object', { t: 'constructor', op: 'u', id: 1 }, 'unknown_kind'],
    ['no kind', { op: 'u', id: 1 }, 'unknown_kind'],
    ['an unknown op', { t: 'a', op: 'z', id: 1, v: 1 }, 'bad_op'],
    ['no op', { t: 't', id: 1 }, 'bad_op'],
    ['id above the integer range', { t: 'a', op: 'u', id: 3_000_000_000, v: 5 }, 'bad_id'],
    ['id 2^31', { t: 't', op: 'u', id: 2 ** 31 }, 'bad_id'],
    ['id 0', { t: 'c', op: 'u', id: 0 }, 'bad_id'],
    ['a negative id', { t: 'c', op: 'u', id: -1 }, 'bad_id'],
    ['a fractional id', { t: 'a', op: 'u', id: 1.5, v: 1 }, 'bad_id'],
    ['an id as a string', { t: 'a', op: 'u', id: '5', v: 1 }, 'bad_id'],
    ['an asset without a version', { t: 'a', op: 'u', id: 5 }, 'bad_version'],
    ['a version as a string', { t: 'a', op: 'u', id: 5, v: '7' }, 'bad_version'],
    ['version 0', { t: 'a', op: 'i', id: 5, v: 0 }, 'bad_version'],
    ['a fractional version', { t: 'a', op: 'u', id: 5, v: 7.5 }, 'bad_version'],
    ['a version JavaScript cannot hold exactly', { t: 'a', op: 'u', id: 5, v: 2 ** 53 }, 'bad_version'],
    ['a delete with a bad version', { t: 'a', op: 'd', id: 5, v: -1 }, 'bad_version'],
    ['a heartbeat without a nonce', { t: 'hb' }, 'bad_heartbeat'],
  ])('refuses %s', (_name, message, reason) => {
    expect(parse(message)).toEqual({ type: 'invalid', reason });
  });
});
