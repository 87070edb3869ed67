// DOM helpers. Everything from the API or the configuration reaches the DOM as
// text (textContent / text nodes) and links only as http(s) URLs; nothing is
// ever parsed as HTML.

export const byId = (id) => document.getElementById(id);

/** Only http(s) links: a `javascript:` URL in data must never become clickable. */
export function safeUrl(value) {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const url = new URL(value, location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates an element. Props become attributes (or listeners for `on*`);
 * children are nodes or strings, and strings are always inserted as text.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'href') {
      const href = safeUrl(value);
      if (href) el.setAttribute('href', href);
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A link that opens elsewhere; plain text when the URL is not http(s). */
export function externalLink(url, text) {
  const href = safeUrl(url);
  if (!href) return h('span', {}, text);
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'external' }, text);
}

/**
 * A table that becomes a list of labelled cards on narrow screens (CSS), so
 * the ARIA roles are explicit: `display: block` would otherwise drop them.
 */
export function table(headers, rows, caption) {
  for (const row of rows) {
    row.setAttribute('role', 'row');
    [...row.children].forEach((cell, index) => {
      cell.setAttribute('role', 'cell');
      if (headers[index]) cell.setAttribute('data-label', headers[index]);
      cell.replaceChildren(h('div', { class: 'cell' }, [...cell.childNodes]));
    });
  }
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { role: 'table' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h(
        'thead',
        { role: 'rowgroup' },
        h(
          'tr',
          { role: 'row' },
          headers.map((text) =>
            h('th', { scope: 'col', role: 'columnheader' }, text || h('span', { class: 'visually-hidden' }, 'Actions')),
          ),
        ),
      ),
      h('tbody', { role: 'rowgroup' }, rows),
    ),
  );
}

export function notice(kind, title, message, code) {
  return h(
    'div',
    { class: `notice notice-${kind}` },
    h('strong', {}, title),
    code ? h('code', { class: 'code' }, code) : null,
    message ? h('span', {}, message) : null,
  );
}

/** A panel's body when its list could not be read. */
export function unavailable(el, what, error) {
  replace(el, h('div', { class: 'card-pad' }, notice('error', `${what} unavailable`, error.message, error.code)));
}
