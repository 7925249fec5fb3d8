// <asset-widget ticket-id="123">: the newest assets of a help-desk ticket's contact, for a technician.
// Plain JS with no dependencies, served by the asset service at /widget/asset-widget.js. It reads /api with
// the session cookie, so the page that embeds it must be on the service's origin. Load it in <head> (not
// deferred): the element is then upgraded as it is parsed and reserves its height from the first paint.
// Every piece of data reaches the DOM as text or as an attribute value, never as markup.
(() => {
  'use strict';

  const SOON_DAYS = 30;
  const DAY_MS = 86_400_000;
  const MESSAGES = {
    401: 'Sign in to see this ticket’s assets.',
    404: 'Ticket not found.',
    failed: 'Could not load assets.',
    noContact: 'This ticket has no contact.',
    stale: 'May be out of date',
    updated: 'Updated',
  };
  // RFC 9211 Cache-Status: the service marks an answer served from its cache while the database is unreachable
  // with `detail=stale` (and a negative ttl).
  const isStale = (cacheStatus) => /(^|;)\s*detail=stale\s*(;|,|$)/.test(cacheStatus ?? '');

  const CSS = `
    :host { display: block; max-width: 42rem; color: #101828; font: inherit; --aw-row: 4.25rem; }
    section { border: 1px solid #d0d5dd; border-radius: 8px; padding: .5rem 1rem; background: #fff; }
    header { display: flex; align-items: baseline; gap: .5rem; height: 2rem; line-height: 2rem; }
    h2 { margin: 0; font-size: 1rem; }
    .contact { flex: 1; color: #475467; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
    .more { color: #475467; font-size: .875rem; white-space: nowrap; }
    .notice { font-size: .75rem; line-height: 1.25rem; padding: 0 .5rem; border-radius: 999px; white-space: nowrap;
      background: #fef0c7; color: #7a2e0e; }
    .notice:empty { display: none; }
    .body { min-height: calc(2 * var(--aw-row)); }
    ul { list-style: none; margin: 0; padding: 0; }
    li { box-sizing: border-box; height: var(--aw-row); padding: .5rem 0; border-top: 1px solid #eaecf0;
      display: grid; grid-template-columns: minmax(0, 1fr) auto; align-content: center; gap: .375rem 1rem; }
    .host { font-weight: 600; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
    .badges { display: flex; gap: .375rem; overflow: hidden; white-space: nowrap; }
    .badge { font-size: .75rem; line-height: 1.25rem; padding: 0 .5rem; border-radius: 999px; background: #f2f4f7; }
    .expired { background: #fee4e2; color: #912018; }
    .soon { background: #fef0c7; color: #7a2e0e; }
    .fine { background: #dcfae6; color: #085d3a; }
    .links { grid-column: 2; grid-row: 1 / span 2; align-self: center; display: flex; gap: .75rem; }
    a { color: #175cd3; }
    a:focus-visible, button:focus-visible { outline: 2px solid #175cd3; outline-offset: 2px; border-radius: 2px; }
    .placeholder span { display: block; height: .875rem; border-radius: 4px; background: #eaecf0; }
    .placeholder span:first-child { width: 45%; }
    .placeholder span:last-child { width: 70%; }
    .state { margin: 0; padding: 1rem 0; border-top: 1px solid #eaecf0; color: #475467; }
    button { margin-left: .5rem; font: inherit; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
      white-space: nowrap; }
    @media (prefers-reduced-motion: no-preference) {
      .placeholder span { animation: pulse 1.2s ease-in-out infinite alternate; }
      @keyframes pulse { to { opacity: .45; } }
    }`;

  /** An element with attributes and children; strings become text nodes, so they can never be markup. */
  function h(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children.filter((child) => child !== null));
    return node;
  }

  // One request per page, shared by every widget on it; links are a bonus, so a failure just means none.
  let linkTemplates;
  function loadLinkTemplates() {
    linkTemplates ??= fetch('/api/ui/config', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then((res) => (res.ok ? res.json() : {}))
      .catch(() => ({}));
    return linkTemplates;
  }

  // The last body of each ticket and its ETag, for this tab only (sessionStorage): the next load of the ticket
  // revalidates with If-None-Match and, when nothing changed, gets a 304 with no body and renders this copy.
  const STORE_PREFIX = 'asset-widget:';
  const remembered = (ticketId) => {
    try {
      return JSON.parse(sessionStorage.getItem(STORE_PREFIX + ticketId) ?? 'null');
    } catch {
      return null;
    }
  };
  const remember = (ticketId, etag, body) => {
    try {
      if (etag) sessionStorage.setItem(STORE_PREFIX + ticketId, JSON.stringify({ etag, body }));
    } catch {
      // Storage full or disabled: the widget simply fetches whole bodies.
    }
  };

  function linkUrl(template, id) {
    if (!template || id === null || id === '') return null;
    try {
      const url = new URL(template.split('{id}').join(encodeURIComponent(id)));
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch {
      return null;
    }
  }

  /** Dates are YYYY-MM-DD text; "today" is the technician's own calendar day. */
  function warrantyBadge(date) {
    if (!date) return null;
    const now = new Date();
    const days = Math.round((Date.parse(`${date}T00:00:00Z`) - Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) / DAY_MS);
    if (days < 0) return h('span', { class: 'badge expired' }, `Warranty expired ${date}`);
    if (days <= SOON_DAYS) {
      const when = days === 0 ? 'today' : `in ${days} day${days === 1 ? '' : 's'}`;
      return h('span', { class: 'badge soon' }, `Warranty ends ${when} (${date})`);
    }
    return h('span', { class: 'badge fine' }, `Warranty until ${date}`);
  }

  function assetLink(template, id, label, hostname) {
    const href = linkUrl(template, id);
    if (!href) return null;
    return h('a', { href, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `Open ${hostname} in ${label} (new tab)` }, label);
  }

  function assetRow(asset, templates) {
    return h(
      'li',
      {},
      h('span', { class: 'host' }, asset.hostname),
      h(
        'span',
        { class: 'badges' },
        warrantyBadge(asset.warranty_expiration_date),
        h('span', { class: 'badge' }, h('span', { class: 'visually-hidden' }, 'Status: '), asset.status),
      ),
      h(
        'span',
        { class: 'links' },
        assetLink(templates.screenconnect_url_template, asset.screenconnect_session_id, 'ScreenConnect', asset.hostname),
        assetLink(templates.pdq_url_template, asset.pdq_device_id, 'PDQ', asset.hostname),
      ),
    );
  }

  class AssetWidget extends HTMLElement {
    // `live="off"`: no Server-Sent Events; the widget then changes only when it loads again.
    static observedAttributes = ['ticket-id'];
    #section;
    #contact;
    #more;
    #notice;
    #body;
    #ticketId = null;
    #abort = null;
    #events = null;
    #hint;
    #listUrl = null;

    constructor() {
      super();
      const root = this.attachShadow({ mode: 'open' });
      // A constructed sheet, not a <style> element: pages with a strict style-src policy still style it.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
      this.#contact = h('span', { class: 'contact' });
      this.#more = h('span', { class: 'more' });
      this.#notice = h('span', { class: 'notice', title: 'Shown from the service’s cache while its database is unreachable' });
      this.#body = h('div', { class: 'body' });
      this.#section = h(
        'section',
        { 'aria-labelledby': 'title' },
        h('header', {}, h('h2', { id: 'title' }, 'Assets'), this.#contact, this.#notice, this.#more),
        this.#body,
      );
      root.append(this.#section);
    }

    connectedCallback() {
      this.#load(false);
    }

    disconnectedCallback() {
      this.#abort?.abort();
      this.#events?.close();
      this.#ticketId = null;
    }

    attributeChangedCallback() {
      if (this.isConnected) this.#load(false);
    }

    /** Without a ticket-id the widget stays in its loading state: pages often set it from a script. */
    async #load(force) {
      const ticketId = this.getAttribute('ticket-id');
      if (!force && ticketId === this.#ticketId) return;
      this.#ticketId = ticketId;
      this.#abort?.abort();
      this.#events?.close();
      this.#showLoading();
      if (ticketId === null) return;
      const abort = (this.#abort = new AbortController());
      try {
        const known = remembered(ticketId);
        const [res, templates] = await Promise.all([
          fetch(`/api/assets/widget/${encodeURIComponent(ticketId)}`, {
            credentials: 'same-origin',
            cache: 'no-store',
            headers: { accept: 'application/json', ...(known ? { 'if-none-match': known.etag } : {}) },
            signal: abort.signal,
          }),
          loadLinkTemplates(),
        ]);
        let body = null;
        // The contact's whole list (RFC 8288 Link, rel=collection), opened by "+N more".
        this.#listUrl = /^<(\/api\/contacts\/\d+\/assets)>;\s*rel="collection"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
        if (res.status === 304 && known) body = known.body;
        else if (res.ok) {
          body = await res.json();
          remember(ticketId, res.headers.get('etag'), body);
        }
        if (abort.signal.aborted) return;
        if (body) this.#showAssets(body, templates, isStale(res.headers.get('cache-status')));
        if (body && this.getAttribute('live') !== 'off') this.#follow(ticketId, res.headers.get('etag') ?? known?.etag, templates);
        else this.#showMessage(MESSAGES[res.status] ?? MESSAGES.failed, !MESSAGES[res.status]);
      } catch {
        if (!abort.signal.aborted) this.#showMessage(MESSAGES.failed, true);
      }
    }

    /** Live: the service pushes the body again whenever it changes (Server-Sent Events); re-rendered in place. */
    #follow(ticketId, etag, templates) {
      this.#events?.close();
      const events = (this.#events = new EventSource(`/api/assets/widget/${encodeURIComponent(ticketId)}/events`));
      let current = etag;
      events.addEventListener('message', (message) => {
        if (message.lastEventId === current || this.#ticketId !== ticketId) return;
        current = message.lastEventId;
        const body = JSON.parse(message.data);
        remember(ticketId, current, body);
        this.#showAssets(body, templates, false);
        this.#notice.textContent = MESSAGES.updated;
        clearTimeout(this.#hint);
        this.#hint = setTimeout(() => this.#notice.textContent === MESSAGES.updated && (this.#notice.textContent = ''), 3000);
      });
    }

    #showLoading() {
      this.#section.setAttribute('aria-busy', 'true');
      this.#contact.textContent = '';
      this.#notice.textContent = '';
      this.#more.textContent = '';
      const placeholder = () => h('li', { class: 'placeholder', 'aria-hidden': 'true' }, h('span', {}), h('span', {}));
      this.#body.replaceChildren(h('p', { class: 'visually-hidden', role: 'status' }, 'Loading assets…'), h('ul', {}, placeholder(), placeholder()));
    }

    #showAssets({ assets, contact_name: contactName, total_assets: total }, templates, stale) {
      this.#notice.textContent = stale ? MESSAGES.stale : '';
      if (contactName === null) return this.#showMessage(MESSAGES.noContact, false);
      this.#contact.textContent = contactName;
      const hidden = total - assets.length;
      if (hidden > 0) this.#showMoreButton(hidden, assets, contactName, templates);
      if (assets.length === 0) {
        this.#body.replaceChildren(h('p', { class: 'state', role: 'status' }, `No assets for ${contactName}.`));
      } else {
        this.#body.replaceChildren(h('ul', { 'aria-label': `Assets of ${contactName}` }, ...assets.map((a) => assetRow(a, templates))));
      }
      this.#rendered();
    }

    /** "+N more" expands the list in place from the contact's whole list, and collapses it again. */
    #showMoreButton(hidden, shown, contactName, templates) {
      const label = [`+${hidden} more`, h('span', { class: 'visually-hidden' }, ' not shown')];
      if (!this.#listUrl) return this.#more.replaceChildren(...label);
      const button = h('button', { type: 'button', 'aria-expanded': 'false' }, ...label);
      const list = (assets) => h('ul', { 'aria-label': `Assets of ${contactName}` }, ...assets.map((a) => assetRow(a, templates)));
      button.addEventListener('click', async () => {
        if (button.getAttribute('aria-expanded') === 'true') {
          this.#body.replaceChildren(list(shown));
          button.setAttribute('aria-expanded', 'false');
          return button.replaceChildren(...label);
        }
        const all = [];
        for (let cursor = ''; cursor !== null; ) {
          const res = await fetch(`${this.#listUrl}?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
          if (!res.ok) return;
          const page = await res.json();
          all.push(...page.assets);
          cursor = page.next_cursor;
        }
        this.#body.replaceChildren(list(all));
        button.setAttribute('aria-expanded', 'true');
        button.replaceChildren('Show fewer');
      });
      this.#more.replaceChildren(button);
    }

    #showMessage(text, canRetry) {
      const retry = canRetry ? h('button', { type: 'button' }, 'Retry') : null;
      retry?.addEventListener('click', () => this.#load(true));
      this.#body.replaceChildren(h('p', { class: 'state', role: 'status' }, text, retry));
      this.#rendered();
    }

    #rendered() {
      this.#section.setAttribute('aria-busy', 'false');
      performance.mark('asset-widget:rendered', { detail: { ticketId: this.#ticketId } });
    }
  }

  if (!customElements.get('asset-widget')) customElements.define('asset-widget', AssetWidget);
})();
