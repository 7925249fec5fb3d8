import { ensureDemoData } from '../../src/boot/demo-data';
import { makeClient, makeContact } from '../helpers/factories';
import type { TestDatabase } from '../helpers/test-database';

export const LINK_TEMPLATES = {
  SCREENCONNECT_URL_TEMPLATE: 'https://support.example.test/Host#Access/All%20Machines//{id}/Join',
  PDQ_URL_TEMPLATE: 'https://pdq.example.test/devices/{id}',
};

export interface Fixture {
  /** Dana Scully's ticket: three active assets, so the widget shows two and "+1 more". */
  scullyTicket: number;
  /** Dana Scully herself. */
  scullyContact: number;
  /** Fox Mulder's ticket: a contact with no assets. */
  mulderTicket: number;
  /** A walk-in ticket without a contact. */
  walkInTicket: number;
}

/**
 * The quick start's demo data (50 contacts, 100 tickets, 200 assets, as `npm start` loads it), plus a few rows
 * whose widget answer the tests know exactly. They are the newest tickets, so they head the list. Written
 * before the service starts, so the cache warms with them.
 */
export async function buildFixture(db: TestDatabase): Promise<Fixture> {
  await ensureDemoData(db.pool);
  const client = (await makeClient(db.pool, 'Browser Test Co')).id;
  const scully = (await makeContact(db.pool, client, 'Dana Scully')).id;
  const mulder = (await makeContact(db.pool, client, 'Fox Mulder')).id;
  // Newest first: SCULLY-WS (warranty ends in 10 days, no PDQ id), SCULLY-LT (expired), then SCULLY-OLD.
  await db.pool.query(
    `INSERT INTO assets (hostname, client_id, contact_id, in_service_date, warranty_expiration_date,
                         screenconnect_session_id, pdq_device_id, created_at)
     VALUES ('SCULLY-OLD', $1, $2, '2022-01-10', current_date + 400, 'sc-old', 'pdq-old', '2025-01-01T00:00:00Z'),
            ('SCULLY-LT', $1, $2, '2019-01-31', '2020-01-31', 'sc-lt', 'pdq-lt', '2025-06-01T00:00:00Z'),
            ('SCULLY-WS', $1, $2, '2025-09-01', current_date + 10, 'sc-ws', NULL, '2025-09-01T00:00:00Z')`,
    [client, scully],
  );
  const ticket = async (contactId: number | null, description: string, minutesAgo: number) =>
    (
      await db.pool.query<{ id: number }>(
        `INSERT INTO tickets (client_id, contact_id, description, state, created_at)
         VALUES ($1, $2, $3, 'open', now() - make_interval(mins => $4)) RETURNING id`,
        [client, contactId, description, minutesAgo],
      )
    ).rows[0]!.id;
  return {
    walkInTicket: await ticket(null, 'Walk-in: projector cable', 3),
    mulderTicket: await ticket(mulder, 'New starter needs a laptop', 2),
    scullyTicket: await ticket(scully, 'Laptop fan is loud', 1),
    scullyContact: scully,
  };
}
