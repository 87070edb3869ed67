// How values read on the page: counts, times, durations and status badges.

import { h } from './dom.js';

export const numbers = new Intl.NumberFormat();
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export function badge(status) {
  const known = ['queued', 'exporting', 'importing', 'verifying', 'succeeded', 'failed', 'canceled'];
  const tone = known.includes(status) ? status : 'other';
  return h('span', { class: `badge badge-${tone}` }, String(status ?? 'unknown'));
}

export function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, String(iso));
  const sameDay = date.toDateString() === new Date().toDateString();
  return h(
    'time',
    { datetime: date.toISOString(), title: date.toString() },
    (sameDay ? timeOnly : dateTime).format(date),
  );
}

export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const count = (n, one, many) => `${numbers.format(n)} ${n === 1 ? one : many}`;
