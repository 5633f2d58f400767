// Development accounts: any username logs in. A few names carry roles and permissions
// so that role- and permission-gated pages can be tried.
const ROLES = {
  admin: { roles: ['admin'], permissions: ['users:read', 'users:write', 'billing:manage'] },
  viewer: { roles: ['viewer'], permissions: ['users:read'] },
};
const DEFAULT_ROLES = { roles: ['member'], permissions: [] };
export const ORGANIZATION_ID = 'org_local';
export const CONNECTION_ID = 'conn_local';
// Enterprise SSO: users of these email domains sign in through their organization's
// connection (as a Scalekit organization with a verified domain), everyone else through
// the local one.
export const SSO_DOMAINS = {
  'acme.com': { organizationId: 'org_acme', connectionId: 'conn_acme_okta' },
};

/** The organization and connection an account signs in through. */
export function organizationOf(accountId) {
  const domain = accountId.replace(/^usr_/, '').split('@')[1] ?? '';
  return SSO_DOMAINS[domain] ?? { organizationId: ORGANIZATION_ID, connectionId: CONNECTION_ID };
}

/** The account id (`sub`) for a username typed at the login page. */
export function accountIdFor(username) {
  const clean = username.trim().toLowerCase().replace(/[^a-z0-9@._-]/g, '_').slice(0, 64);
  return clean ? `usr_${clean}` : null;
}

/** Profile, organization and roles of an account. */
export function accountProfile(accountId) {
  const username = accountId.replace(/^usr_/, '');
  const local = username.split('@')[0];
  const email = username.includes('@') ? username : `${username}@example.com`;
  const given = local.charAt(0).toUpperCase() + local.slice(1);
  return {
    username,
    email,
    given_name: given,
    family_name: 'Local',
    name: `${given} Local`,
    ...(ROLES[local] ?? DEFAULT_ROLES),
  };
}

/** oidc-provider's findAccount. */
export async function findAccount(_ctx, accountId) {
  if (!accountId.startsWith('usr_')) return undefined;
  const profile = accountProfile(accountId);
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        oid: organizationOf(accountId).organizationId,
        email: profile.email,
        email_verified: true,
        name: profile.name,
        given_name: profile.given_name,
        family_name: profile.family_name,
        preferred_username: profile.username,
        locale: 'en',
      };
    },
  };
}
