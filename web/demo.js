// The demo pages: sign-in form → recent tickets → a ticket with <asset-widget>. Plain DOM; every value from
// the API is set as text, never as markup (the pages' Trusted Types policy would refuse markup anyway).
(() => {
  'use strict';

  const api = (path, init = {}) =>
    fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...init.headers } });

  function cell(...children) {
    const td = document.createElement('td');
    td.append(...children);
    return td;
  }

  function signIn() {
    const form = document.getElementById('sign-in');
    const error = document.getElementById('sign-in-error');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      const button = form.querySelector('button');
      button.disabled = true;
      try {
        const res = await api('/api/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: form.email.value, password: form.password.value }),
        });
        if (res.ok) return location.assign('/tickets.html');
        const body = await res.json().catch(() => ({}));
        error.textContent = res.status === 400 ? 'Enter your email address and password.' : (body.error ?? 'Sign-in failed.');
      } catch {
        error.textContent = 'Could not reach the server.';
      } finally {
        button.disabled = false;
      }
    });
  }

  async function listTickets() {
    const status = document.getElementById('tickets-status');
    const table = document.getElementById('tickets');
    const res = await api('/api/tickets?limit=50').catch(() => null);
    if (res?.status === 401) return location.replace('/');
    if (!res?.ok) {
      status.textContent = 'Could not load tickets.';
      return;
    }
    const { tickets } = await res.json();
    // Every row's asset count from one call (the bulk widget route), not one call per ticket.
    const ids = tickets.map((ticket) => ticket.id);
    const bulk = ids.length > 0 ? await api(`/api/assets/widget?ticket_ids=${ids.join(',')}`).catch(() => null) : null;
    const widgets = bulk?.ok ? (await bulk.json()).widgets : {};
    const rows = tickets.map((ticket) => {
      const link = document.createElement('a');
      link.href = `/ticket.html?id=${encodeURIComponent(ticket.id)}`;
      link.textContent = ticket.description || `Ticket ${ticket.id}`;
      const contact = document.createElement('span');
      contact.textContent = ticket.contact_name ?? 'no contact';
      if (ticket.contact_name === null) contact.className = 'muted';
      const opened = new Date(ticket.created_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
      const tr = document.createElement('tr');
      const assets = widgets[ticket.id] ? String(widgets[ticket.id].total_assets) : '';
      tr.append(cell(`#${ticket.id}`), cell(link), cell(contact), cell(assets), cell(ticket.state ?? ''), cell(opened));
      return tr;
    });
    table.tBodies[0].replaceChildren(...rows);
    table.hidden = false;
    status.textContent = tickets.length === 0 ? 'No tickets yet.' : '';
  }

  function showTicket() {
    const id = new URLSearchParams(location.search).get('id') ?? '';
    document.getElementById('ticket-title').textContent = `Ticket #${id}`;
    document.title = `Ticket #${id} · Asset widget demo`;
    document.querySelector('asset-widget').setAttribute('ticket-id', id);
  }

  for (const button of document.querySelectorAll('.sign-out')) {
    button.addEventListener('click', async () => {
      await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
      // The widgets' copies of what this user could see go with the session.
      sessionStorage.clear();
      location.assign('/');
    });
  }

  const pages = { 'sign-in': signIn, tickets: listTickets, ticket: showTicket };
  pages[document.body.dataset.page]?.();
})();
