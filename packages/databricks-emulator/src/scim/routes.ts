import { createHash } from 'node:crypto';
import type { AuthService, Principal } from '../auth.js';
import type { Route } from '../http/router.js';

export interface ScimRoutesDeps {
  auth: AuthService;
  workspaceUserName: string;
}

const USER_SCHEMAS = [
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:workspace:2.0:User',
];

/**
 * `GET /api/2.0/preview/scim/v2/Me`: who the caller is (the SDKs' `currentUser.me()`, the usual credential
 * check). Field names are the SCIM ones of the SDK's `iam.User` model (userName, displayName, emails, groups,
 * schemas; databricks-sdk-py service/iam.py CurrentUserAPI.me). A service principal calling it gets its
 * application id as userName (databricks/cli#900: "Name of the service principal (userName of
 * `databricks current-user me`)" is the application id).
 */
export function scimRoutes(_deps: ScimRoutesDeps): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/2.0/preview/scim/v2/Me',
      name: 'scim/me',
      family: 'databricks',
      authenticated: true,
      handler: (ctx) => ({ status: 200, body: renderMe(ctx.principal as Principal) }),
    },
  ];
}

function renderMe(principal: Principal): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: stableId(`principal:${principal.kind}:${principal.name}`),
    userName: principal.name,
    displayName: principal.kind === 'pat' ? displayNameOf(principal.name) : principal.name,
    active: true,
    groups: principal.groups.map((group) => {
      const id = stableId(`group:${group}`);
      return { display: group, type: 'direct', value: id, $ref: `Groups/${id}` };
    }),
    schemas: USER_SCHEMAS,
  };
  if (principal.kind === 'pat') body.emails = [{ type: 'work', value: principal.name, primary: true }];
  return body;
}

/** Databricks ids are numeric strings; derive one from the name so it is the same on every call. */
function stableId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex').slice(0, 13);
  return String(Number.parseInt(hex, 16));
}

function displayNameOf(userName: string): string {
  const local = userName.split('@')[0] ?? userName;
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}
