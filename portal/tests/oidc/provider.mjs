// A real OpenID Connect provider (node-oidc-provider, a certified implementation) for the portal's
// tests, configured like FranceConnect or ProConnect: their scopes and claims (FranceConnect's
// identity pivot, ProConnect's usual_name/siret), acr values, signed userinfo (application/jwt, as
// FranceConnect v2 answers), PKCE required, RP-initiated logout. No mock: the portal talks to it over
// HTTP on loopback, as it would to the real federations.
//
// Usage: node provider.mjs CONFIG.json — prints "listening <issuer>" once ready. CONFIG:
//   { "port": 0-65535, "clients": [client metadata…], "identities": { login: { claims…, "acr": …, "amr": […] } },
//     "acrValues": […], "scopes": { scope: [claims…] } }
// The login page lists the identities (one button each) and a « Refuser » button (access_denied).

import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const claims = { openid: ['sub'], acr: null, amr: null };
for (const [scope, names] of Object.entries(config.scopes)) claims[scope] = names;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [signingKey] },
  claims,
  scopes: ['openid', ...Object.keys(config.scopes)],
  acrValues: config.acrValues,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    claimsParameter: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // The provider's own "sign out?" page, confirmed at once (FranceConnect asks nothing either).
      logoutSource: async (ctx, form) => {
        ctx.body = page('Déconnexion', `${form}<button form="op.logoutForm" name="logout" value="yes">Se déconnecter</button>
          <script>document.forms['op.logoutForm'].appendChild(Object.assign(document.createElement('input'), {type: 'hidden', name: 'logout', value: 'yes'})); document.forms['op.logoutForm'].submit();</script>`);
      },
    },
  },
  cookies: { keys: ['portal-test-oidc-cookie-key'] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
  findAccount: async (ctx, sub) => {
    const identity = Object.entries(config.identities).find(([, value]) => value.claims.sub === sub);
    if (!identity) return undefined;
    return { accountId: sub, claims: async () => ({ ...identity[1].claims }) };
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Erreur', `<p id="error">${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
});

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

async function interaction(req, res) {
  const url = new URL(req.url, issuer);
  const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login|\/abort)?$/);
  if (!match) return false;
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  if (match[2] === '/abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: "L'usager a refusé de transmettre ses informations",
    }, { mergeWithLastSubmission: false });
    return true;
  }
  if (match[2] === '/login') {
    const form = await readForm(req);
    const [, identity] = Object.entries(config.identities).find(([login]) => login === form.get('login'));
    const grant = new provider.Grant({ accountId: identity.claims.sub, clientId: params.client_id });
    grant.addOIDCScope(params.scope);
    if (params.claims) {
      const requested = JSON.parse(params.claims);
      grant.addOIDCClaims(Object.keys({ ...requested.id_token, ...requested.userinfo }));
    }
    const result = {
      login: { accountId: identity.claims.sub, acr: identity.acr, amr: identity.amr },
      consent: { grantId: await grant.save() },
    };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return true;
  }
  if (prompt.name === 'consent') {
    // Already signed in at the provider (its own session): consent granted at once.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    grant.addOIDCScope(params.scope);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    return true;
  }
  const buttons = Object.keys(config.identities)
    .map((login) => `<button type="submit" name="login" value="${escape(login)}">Continuer en tant que ${escape(login)}</button>`)
    .join('\n');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(page('Fournisseur d\'identité de test', `
    <p>Service : ${escape(params.client_id)} — niveau demandé : <span id="acr-values">${escape(params.acr_values || '')}</span></p>
    <form method="post" action="/interaction/${details.uid}/login">${buttons}</form>
    <form method="post" action="/interaction/${details.uid}/abort"><button type="submit">Refuser</button></form>`));
  return true;
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  try {
    if (await interaction(req, res)) return;
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error && error.stack));
    return;
  }
  callback(req, res);
});
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
