// A standards-certified OpenID provider (panva `oidc-provider`) for the test bed, on loopback only.
//
//   node server.mjs [--port N] [--issuer URL] [--resource URL] [--opaque-resource URL ...]
//
// Every option can also come from the environment (the command line wins):
//   IDP_PORT              port on 127.0.0.1 (0 = any free port; default 0)
//   IDP_ISSUER            issuer identifier (default http://127.0.0.1:<port>)
//   IDP_RESOURCE          the MCP server's resource URL (RFC 8707); access tokens requested for it are
//                         RS256 JWTs (RFC 9068, typ at+jwt) with aud = this URL
//   IDP_OPAQUE_RESOURCES  comma-separated extra resource URLs that get opaque (introspectable) tokens
//   IDP_RESOURCE_SCOPES   scopes of those resource servers (default "notes:read notes:write")
//   IDP_USERS             "user:password,..." (default "alice:alice-secret,bob:bob-secret")
//   IDP_CONSENT           "prompt" (default: a consent page with Allow/Deny forms) or "auto"
//   IDP_CLIENTS           JSON array of statically registered clients (oidc-provider client metadata)
//   IDP_JWKS_FILE         private JWKS; generated (RSA 2048, RS256) and written there when missing
//   IDP_ACCESS_TOKEN_TTL  access token lifetime in seconds (default 900)
//
// Interactions are our own, in plain node:http (no devInteractions): GET /interaction/<uid> shows a login form
// (inputs `login`, `password`, button `submit`) or a consent page (form -> /interaction/<uid>/confirm with
// button `allow`; form -> /interaction/<uid>/abort with button `deny`). All state is in memory. No network access,
// no timers: SIGTERM/SIGINT close the listener and exit at once.
//
// Tokens: with `resource=IDP_RESOURCE` (authorization and/or token request) the access token is a JWT for it,
// carrying the resource scopes requested; without `resource` it is opaque and meant for userinfo/introspection
// (JWTs cannot be introspected). Unknown resources get invalid_target. Refresh tokens: OIDC requests need
// offline_access (which OIDC Core ties to prompt=consent); plain OAuth requests without `openid` (what MCP
// clients send) get one whenever the client registered the refresh_token grant.

import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const VERSION = createRequire(import.meta.url)('oidc-provider/package.json').version;

// ---------------------------------------------------------------------------------------------- settings

const { values: argv } = parseArgs({
  options: {
    port: { type: 'string' },
    issuer: { type: 'string' },
    resource: { type: 'string' },
    'opaque-resource': { type: 'string', multiple: true },
  },
  strict: true,
});

const env = process.env;
const PORT = Number(argv.port ?? env.IDP_PORT ?? 0);
const HOST = '127.0.0.1';
const RESOURCE = argv.resource ?? env.IDP_RESOURCE ?? 'http://127.0.0.1:8000/mcp';
const OPAQUE_RESOURCES = argv['opaque-resource'] ?? (env.IDP_OPAQUE_RESOURCES ?? '').split(',').filter(Boolean);
const RESOURCE_SCOPES = (env.IDP_RESOURCE_SCOPES ?? 'notes:read notes:write').split(/\s+/).filter(Boolean);
const CONSENT = env.IDP_CONSENT ?? 'prompt';
const ACCESS_TOKEN_TTL = Number(env.IDP_ACCESS_TOKEN_TTL ?? 900);
const STATIC_CLIENTS = env.IDP_CLIENTS ? JSON.parse(env.IDP_CLIENTS) : [];

if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) throw new Error(`bad port: ${PORT}`);
if (!['prompt', 'auto'].includes(CONSENT)) throw new Error(`IDP_CONSENT must be prompt or auto, not ${CONSENT}`);

function parseUsers(spec) {
  const users = new Map();
  for (const item of spec.split(',').filter(Boolean)) {
    const at = item.indexOf(':');
    if (at <= 0) throw new Error(`IDP_USERS entry must be user:password, got ${item}`);
    users.set(item.slice(0, at), item.slice(at + 1));
  }
  return users;
}
const USERS = parseUsers(env.IDP_USERS ?? 'alice:alice-secret,bob:bob-secret');

const log = (...parts) => console.log(new Date().toISOString(), ...parts);

// ---------------------------------------------------------------------------------------------- keys

function generateJwks() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = createHash('sha256').update(jwk.n).digest('base64url').slice(0, 16);
  return { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };
}

function loadJwks(file) {
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const jwks = generateJwks();
  if (file) writeFileSync(file, JSON.stringify(jwks), { mode: 0o600 });
  return jwks;
}

// ---------------------------------------------------------------------------------------------- storage

// A Map-backed adapter: nothing is ever evicted early (the bundled dev adapter is an LRU of 1000 entries),
// expired entries are dropped when read and swept now and then on write, and there are no timers.
const store = new Map(); // "Model:id" -> { payload, expiresAt }
const grantMembers = new Map(); // grantId -> Set of "Model:id"
const sessionUids = new Map(); // session uid -> id
const userCodes = new Map(); // device user code -> id
let writes = 0;

function read(key) {
  const entry = store.get(key);
  if (entry === undefined) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.payload;
}

function sweep() {
  const now = Date.now();
  for (const [key, entry] of store) if (entry.expiresAt !== undefined && entry.expiresAt <= now) store.delete(key);
  for (const [grantId, members] of grantMembers) {
    for (const key of members) if (!store.has(key)) members.delete(key);
    if (members.size === 0) grantMembers.delete(grantId);
  }
}

class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    store.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    if (payload.grantId) {
      if (!grantMembers.has(payload.grantId)) grantMembers.set(payload.grantId, new Set());
      grantMembers.get(payload.grantId).add(key);
    }
    if (this.model === 'Session' && payload.uid) sessionUids.set(payload.uid, id);
    if (payload.userCode) userCodes.set(payload.userCode, id);
    if (++writes % 1000 === 0) sweep();
  }

  async find(id) {
    return id === undefined ? undefined : read(this.key(id));
  }

  async findByUid(uid) {
    return this.find(sessionUids.get(uid));
  }

  async findByUserCode(userCode) {
    return this.find(userCodes.get(userCode));
  }

  async consume(id) {
    const payload = read(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) ?? []) store.delete(key);
    grantMembers.delete(grantId);
  }
}

// ---------------------------------------------------------------------------------------------- accounts

const claimsFor = (accountId) => ({
  sub: accountId,
  name: accountId.charAt(0).toUpperCase() + accountId.slice(1),
  preferred_username: accountId,
  email: `${accountId}@example.org`,
  email_verified: true,
});

async function findAccount(_ctx, id) {
  if (!USERS.has(id)) return undefined;
  return { accountId: id, claims: async () => claimsFor(id) };
}

function checkPassword(login, password) {
  const expected = USERS.get(login);
  const given = Buffer.from(String(password ?? ''));
  const wanted = Buffer.from(expected ?? randomBytes(16).toString('hex'));
  const same = given.length === wanted.length && timingSafeEqual(given, wanted);
  return expected !== undefined && same;
}

// ---------------------------------------------------------------------------------------------- resources

const canonical = (url) => URL.parse(url)?.href ?? url;
const resourceServers = new Map([[canonical(RESOURCE), { audience: RESOURCE, format: 'jwt' }]]);
for (const url of OPAQUE_RESOURCES) resourceServers.set(canonical(url), { audience: url, format: 'opaque' });

async function getResourceServerInfo(_ctx, indicator) {
  const server = resourceServers.get(canonical(indicator));
  if (server === undefined) throw new errors.InvalidTarget(`unknown resource indicator ${indicator}`);
  const info = {
    scope: RESOURCE_SCOPES.join(' '),
    audience: server.audience,
    accessTokenTTL: ACCESS_TOKEN_TTL,
    accessTokenFormat: server.format,
  };
  if (server.format === 'jwt') info.jwt = { sign: { alg: 'RS256' } };
  return info;
}

// Several granted resources at the token endpoint: prefer the MCP resource.
async function defaultResource(_ctx, _client, oneOf) {
  if (!oneOf) return undefined; // no `resource`: an opaque token for userinfo
  return oneOf.find((r) => canonical(r) === canonical(RESOURCE)) ?? oneOf[0];
}

// ---------------------------------------------------------------------------------------------- pages

const escape = (value) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:28em;margin:3em auto}label,input,button{display:block;margin:.4em 0}</style>
</head><body><h1>${escape(title)}</h1>
${body}
</body></html>`;
}

function loginPage(uid, clientName, { login = '', error = '' } = {}) {
  return page(
    'Sign in',
    `<p>to continue to <strong>${escape(clientName)}</strong></p>
${error ? `<p id="error" role="alert">${escape(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
<label for="login">Username</label>
<input type="text" id="login" name="login" value="${escape(login)}" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="submit" name="submit" value="login">Sign in</button>
</form>`,
  );
}

function consentPage(uid, clientName, accountId, scopes, resources) {
  const items = scopes.map((s) => `<li><code>${escape(s)}</code></li>`).join('');
  const audience = resources.map((r) => `<li><code>${escape(r)}</code></li>`).join('');
  return page(
    'Authorize access',
    `<p><strong>${escape(clientName)}</strong> asks to act as <strong>${escape(accountId)}</strong> with:</p>
<ul id="scopes">${items || '<li>(no scopes)</li>'}</ul>
${audience ? `<p>for</p><ul id="resources">${audience}</ul>` : ''}
<form id="consent-form" method="post" action="/interaction/${escape(uid)}/confirm">
<button type="submit" id="allow" name="allow" value="yes">Allow</button>
</form>
<form id="deny-form" method="post" action="/interaction/${escape(uid)}/abort">
<button type="submit" id="deny" name="deny" value="yes">Deny</button>
</form>`,
  );
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  res.end(html);
}

// oidc-provider's default pages @import Google Fonts; ours load nothing from the network.
async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page(
    'Error',
    Object.entries(out)
      .map(([k, v]) => `<p><strong>${escape(k)}</strong>: <span id="${escape(k)}">${escape(v)}</span></p>`)
      .join('\n'),
  );
}

async function logoutSource(ctx, form) {
  ctx.type = 'html';
  ctx.body = page(
    'Sign out?',
    `${form}
<button type="submit" form="op.logoutForm" id="logout" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" id="stay">No, stay signed in</button>`,
  );
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p>You are signed out.</p>');
}

// ---------------------------------------------------------------------------------------------- interactions

async function readForm(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new errors.InvalidRequest('request body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function clientNameOf(clientId) {
  const client = await provider.Client.find(clientId);
  return client?.clientName ?? clientId;
}

// The consent result: a Grant holding exactly what the prompt says is missing (scopes are granted as requested).
async function grantConsent(details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const saved = await grant.save();
  return { consent: grantId ? {} : { grantId: saved } };
}

function consentScopes(details) {
  const missing = details.prompt.details;
  const scopes = new Set(missing.missingOIDCScope ?? []);
  for (const list of Object.values(missing.missingResourceScopes ?? {})) for (const s of list) scopes.add(s);
  return { scopes: [...scopes], resources: Object.keys(missing.missingResourceScopes ?? {}) };
}

async function handleInteraction(req, res, url) {
  const [, , uid, action] = url.pathname.split('/'); // "", "interaction", uid, action?
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    log('interaction error:', err.message);
    return send(res, 400, page('Error', `<p id="error">${escape(err.message)}</p>`));
  }
  if (details.uid !== uid) return send(res, 400, page('Error', '<p id="error">interaction mismatch</p>'));
  const clientName = await clientNameOf(details.params.client_id);
  const prompt = details.prompt.name;

  if (req.method === 'GET' && action === undefined) {
    if (prompt === 'login') return send(res, 200, loginPage(uid, clientName));
    if (prompt === 'consent') {
      if (CONSENT === 'auto') {
        return provider.interactionFinished(req, res, await grantConsent(details), { mergeWithLastSubmission: true });
      }
      const { scopes, resources } = consentScopes(details);
      return send(res, 200, consentPage(uid, clientName, details.session.accountId, scopes, resources));
    }
    return send(res, 400, page('Error', `<p id="error">unsupported prompt ${escape(prompt)}</p>`));
  }

  if (req.method !== 'POST') return send(res, 405, page('Error', '<p id="error">method not allowed</p>'));
  const form = await readForm(req);

  if (action === 'login' && prompt === 'login') {
    const login = form.get('login') ?? '';
    if (!checkPassword(login, form.get('password'))) {
      log(`login failed for ${JSON.stringify(login)}`);
      return send(res, 401, loginPage(uid, clientName, { login, error: 'Wrong username or password.' }));
    }
    log(`login ok: ${login}`);
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm' && prompt === 'consent') {
    return provider.interactionFinished(req, res, await grantConsent(details), { mergeWithLastSubmission: true });
  }
  if (action === 'abort') {
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  return send(res, 400, page('Error', `<p id="error">unexpected ${escape(action)} for prompt ${escape(prompt)}</p>`));
}

// ---------------------------------------------------------------------------------------------- provider

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const isLoopbackOrigin = (origin) => {
  const parsed = URL.parse(origin ?? '');
  return parsed !== null && ['http:', 'https:'].includes(parsed.protocol) && LOOPBACK.has(parsed.hostname);
};

const configuration = {
  adapter: MapAdapter,
  clients: STATIC_CLIENTS,
  findAccount,
  jwks: loadJwks(env.IDP_JWKS_FILE),
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  // The resource scopes are listed too: discovery then advertises them (scopes_supported), and oidc-provider
  // refuses DCR requests whose `scope` (the MCP SDK sends one) names scopes not listed here.
  scopes: ['openid', 'offline_access', ...RESOURCE_SCOPES],
  responseTypes: ['code'], // OAuth 2.1: authorization code only (no implicit or hybrid)
  pkce: { required: () => true }, // oidc-provider 9 supports S256 only
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true, initialAccessToken: false }, // open dynamic client registration
    introspection: {
      enabled: true,
      // Public clients learn only about their own tokens; confidential clients (resource servers) about any.
      allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
    },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource,
      getResourceServerInfo,
      // A token request without `resource` after an authorization request with one still targets that resource.
      useGrantedResource: async () => true,
    },
  },
  interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
  clientBasedCORS: (_ctx, origin) => isLoopbackOrigin(origin),
  // OpenID Connect requests (scope openid) follow OIDC Core: a refresh token needs offline_access, which needs
  // prompt=consent. Plain OAuth requests without `openid` (MCP clients) get one whenever the client may refresh.
  issueRefreshToken: async (_ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || !code.scopes.has('openid')),
  ttl: {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
    AuthorizationCode: 60,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
  },
  renderError,
  // No outbound requests (client jwks_uri, sector_identifier_uri, request_uri, ...): the test bed is offline.
  fetch: async (url) => {
    throw new Error(`outbound fetch disabled in the test IdP: ${url}`);
  },
};
configuration.features.rpInitiatedLogout = { enabled: true, logoutSource, postLogoutSuccessSource };

let provider; // created once the port is known (port 0 picks one)
let providerCallback;

const server = createServer((req, res) => {
  const started = Date.now();
  const url = new URL(req.url ?? '/', 'http://placeholder');
  res.on('finish', () => log(`${req.method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`));
  if (provider === undefined) {
    res.statusCode = 503;
    return res.end();
  }
  if (url.pathname.startsWith('/interaction/')) {
    return handleInteraction(req, res, url).catch((err) => {
      log('interaction failure:', err);
      if (!res.headersSent) send(res, 500, page('Error', '<p id="error">internal error</p>'));
      else res.destroy();
    });
  }
  return providerCallback(req, res);
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  const issuer = argv.issuer ?? env.IDP_ISSUER ?? `http://${HOST}:${port}`;
  const created = new Provider(issuer, configuration);
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'registration_create.error',
    'introspection.error', 'revocation.error', 'userinfo.error', 'end_session.error', 'discovery.error']) {
    created.on(event, (_ctx, err) => {
      const detail = err?.error_detail ? ` (${err.error_detail})` : '';
      log(`${event}: ${err?.error ?? ''} ${err?.error_description ?? err?.message ?? ''}${detail}`);
    });
  }
  providerCallback = created.callback();
  provider = created;
  log(`oidc-provider ${VERSION} ready: issuer=${issuer} port=${port} resource=${RESOURCE} pid=${process.pid}`);
});

function shutdown(signal) {
  log(`${signal}: shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
