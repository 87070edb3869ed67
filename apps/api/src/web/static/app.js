// The d2s web page's entry module: sign-in, and the panels wired together. No
// framework, no bundler, no build: the browser loads these ES modules as they
// are, from /ui/<version>/ (see ../index.ts), together with the event-stream
// reader the CLI uses too.

import { api, forgetToken, onUnauthorized, rememberToken, token } from './api.js';
import { byId } from './dom.js';
import { BackfillsPanel } from './backfills-panel.js';
import { DatasetsPanel } from './datasets-panel.js';
import { LivePanel } from './live-panel.js';
import { MirrorPanel } from './mirror-panel.js';
import { MirrorPlanPanel } from './mirror-plan-panel.js';
import { SchedulesPanel } from './schedules-panel.js';
import { SyncsPanel } from './syncs-panel.js';

const REFRESH_MS = 30_000;

const live = new LivePanel({
  list: byId('live'),
  empty: byId('live-empty'),
  onChange: () => syncs.load(),
  openBackfill: (id) => backfills.open(id, true),
});
const backfills = new BackfillsPanel({ list: byId('backfills'), watch: (id, view) => live.watch(id, view) });
const syncs = new SyncsPanel({
  list: byId('syncs'),
  updated: byId('syncs-updated'),
  watch: (id, view) => live.watch(id, view),
  openBackfill: (id) => backfills.open(id, true),
  onLoaded: (items) => backfills.noticeSyncs(items),
});
const datasets = new DatasetsPanel({
  list: byId('datasets'),
  count: byId('datasets-count'),
  onSyncStarted: (sync) => {
    live.watch(sync.id, sync);
    syncs.load();
  },
});
const mirrorPlan = new MirrorPlanPanel({ root: byId('mirror-plan'), onRunEnded: () => mirror.load() });
const mirror = new MirrorPanel({
  list: byId('mirror'),
  onAvailability: (available) => mirrorPlan.setAvailable(available),
});
const schedules = new SchedulesPanel({ list: byId('schedules') });

function refreshAll() {
  return Promise.all([datasets.load(), syncs.load(), mirror.load(), schedules.load()]);
}

// ---------------------------------------------------------------- sign-in

function showSignIn(message) {
  byId('app').hidden = true;
  byId('account').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = message ?? '';
  byId('token').value = '';
  byId('token').focus();
}

function signOut(message) {
  forgetToken();
  live.dismissAll();
  backfills.closeAll();
  mirrorPlan.stopFollowing();
  datasets.reset();
  showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const value = byId('token').value.trim();
  if (!value) {
    byId('sign-in-error').textContent = 'Enter a token.';
    return;
  }
  const button = event.submitter ?? byId('sign-in-form').querySelector('button');
  button.disabled = true;
  rememberToken(value);
  try {
    await api('GET', '/v1/datasets');
    showApp();
  } catch (error) {
    if (error.status !== 401) byId('sign-in-error').textContent = `${error.code}: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

function showApp() {
  byId('sign-in').hidden = true;
  byId('app').hidden = false;
  byId('account').hidden = false;
  refreshAll();
}

// ---------------------------------------------------------------- start

onUnauthorized(signOut);
byId('sign-in-form').addEventListener('submit', signIn);
byId('sign-out').addEventListener('click', () => signOut('Token forgotten. Enter a token to connect again.'));
byId('refresh').addEventListener('click', () => refreshAll());
setInterval(() => {
  if (token() && document.visibilityState === 'visible') Promise.all([syncs.load(), mirror.load(), schedules.load()]);
}, REFRESH_MS);

if (token()) showApp();
else showSignIn();
