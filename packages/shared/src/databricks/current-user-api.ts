import { DatabricksResponseError } from './errors.js';
import type { DatabricksHttpClient } from './http-client.js';
import { type CallOptions, callOptionsOf } from './jobs-api.js';

/** A SCIM user as `GET /api/2.0/preview/scim/v2/Me` returns it (the fields d2s reads; SDK model `iam.User`). */
export interface CurrentUser {
  id?: string;
  /** The user's e-mail, or a service principal's application id. */
  userName: string;
  displayName?: string;
  active?: boolean;
  groups?: Array<{ display?: string; value?: string }>;
}

/** Who the configured credentials are: the SDKs' `currentUser.me()`, the usual credential check. */
export class CurrentUserApi {
  readonly #http: DatabricksHttpClient;

  constructor(http: DatabricksHttpClient) {
    this.#http = http;
  }

  async me(options: CallOptions = {}): Promise<CurrentUser> {
    const user = await this.#http.request<CurrentUser>({
      method: 'GET',
      endpoint: 'scim/v2/Me',
      path: '/api/2.0/preview/scim/v2/Me',
      idempotent: true,
      ...callOptionsOf(options),
    });
    if (typeof user?.userName !== 'string' || user.userName === '') {
      throw new DatabricksResponseError(
        'Databricks GET scim/v2/Me returned no userName',
        { endpoint: 'scim/v2/Me', method: 'GET' },
        { retryable: false },
      );
    }
    return user;
  }
}
