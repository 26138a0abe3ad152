// The OpenID provider the browser tests sign in through: oidc-provider (OpenID Certified) on 127.0.0.1, with a
// handful of users in groups, the authorization code flow with PKCE required, and RP-initiated logout.
//
//   node provider.js --console http://127.0.0.1:5000 [--port 5010] [--token-ttl 3600] [--no-par]
//
// Prints "ready <issuer>" on stdout once it listens. Users, passwords and groups are below; the console's client
// is `jobs-console` with the secret `test-client-secret`.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    console: { type: 'string' },
    port: { type: 'string', default: '0' },
    'token-ttl': { type: 'string', default: '3600' },
    // Without pushed authorization requests, a wrong client secret shows only when the code is redeemed.
    'no-par': { type: 'boolean', default: false },
  },
});
if (!args.console) {
  console.error('usage: node provider.js --console <console base URL> [--port N] [--token-ttl seconds] [--no-par]');
  process.exit(2);
}

const consoleUrl = args.console.replace(/\/+$/, '');
const tokenTtl = Number(args['token-ttl']);

const users = {
  olivia: { password: 'olivia-password', name: 'Olivia On-call', groups: ['jobs-operators', 'engineering'] },
  vera: { password: 'vera-password', name: 'Vera Viewer', groups: ['engineering'] },
  sam: { password: 'sam-password', name: 'Sam Sales', groups: ['sales'] },
};

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const loginForm = (uid, error) => page('Test provider sign-in', `
${error ? `<p class="provider-error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label>User <input name="login" autocomplete="username" autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button type="submit" id="provider-signin">Sign in</button>
</form>`);

const server = createServer();
await new Promise((resolve) => server.listen(Number(args.port), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'jobs-console',
    client_secret: 'test-client-secret',
    redirect_uris: [`${consoleUrl}/signin-oidc`],
    post_logout_redirect_uris: [`${consoleUrl}/signout-callback-oidc`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true, methods: ['S256'] },
  scopes: ['openid', 'profile', 'groups'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
  // Standard behaviour: with the code flow the ID token carries only `sub`; profile and groups come from userinfo.
  conformIdTokenClaims: true,
  ttl: { AccessToken: tokenTtl, IdToken: tokenTtl, Interaction: 600, Session: 86400, Grant: 86400 },
  features: {
    devInteractions: { enabled: false },
    pushedAuthorizationRequests: { enabled: !args['no-par'] },
    rpInitiatedLogout: {
      enabled: true,
      // A sign-out that carries the console's id_token_hint needs no question: confirm it at once.
      logoutSource: async (ctx, form) => {
        ctx.body = page('Signing out', form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')
          + '<script>document.getElementById("op.logoutForm").submit()</script>');
      },
      postLogoutSuccessSource: async (ctx) => { ctx.body = page('Signed out of the test provider', ''); },
    },
  },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: user.name, preferred_username: id, groups: user.groups };
      },
    };
  },
  // The console is a first-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile groups');
    await grant.save();
    return grant;
  },
});

const readForm = async (req) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
};

const callback = provider.callback();
server.on('request', async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url.split('?')[0]);
  if (!match) {
    callback(req, res);
    return;
  }

  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(loginForm(details.uid));
      return;
    }

    const form = await readForm(req);
    const login = form.get('login') ?? '';
    if (!Object.hasOwn(users, login) || users[login].password !== form.get('password')) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(loginForm(details.uid, 'Wrong user or password.'));
      return;
    }

    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.statusCode = 400;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page('Test provider error', `<p>${escape(error.message)}</p>`));
  }
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
console.log(`ready ${issuer}`);
