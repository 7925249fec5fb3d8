import { describe, expect, it } from 'vitest';
import { Directory, DirectoryBuilder, directoryTransferList } from '../../workers/directory';

function build(tickets: Array<[number, number | null]>, contacts: Array<[number, string]>) {
  const builder = new DirectoryBuilder();
  for (const [id, contact] of tickets) builder.addTicket(id, contact);
  for (const [id, name] of contacts) builder.addContact(id, JSON.stringify(name));
  return builder.finish();
}

describe('Directory', () => {
  const base = () => build([[3, 10], [1, null], [2000, 11]], [[10, 'Ann "Dee" Lee'], [11, 'Bo']]);

  it('knows each ticket\'s contact (0 = none), each contact\'s name as JSON, and nothing else', () => {
    const d = new Directory(base());
    expect([d.contactOfTicket(3), d.contactOfTicket(1), d.contactOfTicket(2000)]).toEqual([10, 0, 11]);
    expect([d.contactOfTicket(2), d.contactOfTicket(5000)]).toEqual([undefined, undefined]);
    expect(d.nameJson(10)).toBe('"Ann \\"Dee\\" Lee"');
    expect(d.nameJson(12)).toBeUndefined();
    expect(d.ticketCount).toBe(3);
  });

  it('applies re-read tickets and contacts, including deletions', () => {
    const d = new Directory(base());
    d.setTicket(3, 11);
    d.setTicket(1, undefined);
    d.setTicket(9, null);
    d.setContact(11, '"Bob"');
    d.setContact(10, undefined);
    expect([d.contactOfTicket(3), d.contactOfTicket(1), d.contactOfTicket(9)]).toEqual([11, undefined, 0]);
    expect([d.nameJson(11), d.nameJson(10)]).toEqual(['"Bob"', undefined]);
  });

  it('on rebase drops what the new base already saw and returns what changed during the build for a re-read', () => {
    const d = new Directory(base());
    d.setTicket(3, 11);
    const epoch = d.beginEpoch();
    d.setContact(11, '"Bob"');
    const recheck = d.rebase(build([[3, 11]], [[11, 'Bo']]), epoch);
    expect(recheck).toEqual({ tickets: [], contacts: [11] });
    expect(d.nameJson(11)).toBe('"Bob"');
    expect(d.contactOfTicket(3)).toBe(11);
    expect(d.overlaySize).toBe(1);
  });

  it('packs into separately transferable buffers and refuses contacts out of order', () => {
    const packed = base();
    const buffers = directoryTransferList(packed);
    expect(new Set(buffers).size).toBe(buffers.length);
    const builder = new DirectoryBuilder();
    builder.addContact(5, '"x"');
    expect(() => builder.addContact(5, '"y"')).toThrow(/out of order/);
  });

  it('keeps sparse ticket ids proportional to the number of tickets, not to the highest id', () => {
    const bytes = (d: ReturnType<typeof build>) => directoryTransferList(d).reduce((sum, b) => sum + b.byteLength, 0);
    const tickets: Array<[number, number | null]> = Array.from({ length: 1000 }, (_, i) => [1000 - i, (i % 7) + 1]);
    const dense = build(tickets, []);
    const sparse = build([...tickets, [10_000_000, 3], [2_147_483_647, null]], []);
    expect(bytes(dense)).toBeLessThan(8 * 1024);
    // 1,002 tickets: at most 8 B each plus slack, where an id-indexed array would need 8 GiB.
    expect(bytes(sparse)).toBeLessThan(16 * 1024);
    const d = new Directory(sparse);
    expect([d.contactOfTicket(10_000_000), d.contactOfTicket(2_147_483_647), d.contactOfTicket(1000), d.contactOfTicket(1)]).toEqual([
      3, 0, 1, (999 % 7) + 1,
    ]);
    expect([d.contactOfTicket(0), d.contactOfTicket(1001), d.contactOfTicket(9_999_999), d.contactOfTicket(2_147_483_646)]).toEqual([
      undefined, undefined, undefined, undefined,
    ]);
    expect(d.ticketCount).toBe(1002);
  });
});
