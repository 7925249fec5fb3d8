-- GET /api/tickets lists the newest tickets first: with this index that is a short index scan, not a sort of
-- every ticket.
CREATE INDEX idx_tickets_recent ON tickets(created_at DESC, id DESC);
