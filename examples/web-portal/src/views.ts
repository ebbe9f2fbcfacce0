/** The pages, rendered on the server (hono/html escapes every interpolated value). */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ActivityEntry, StoredCredential, User } from './store/types.js';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageContext {
  title: string;
  csrf: string;
  user?: User | undefined;
  /** 'page' id used by portal.js and the tests. */
  page: string;
}

export function layout(ctx: PageContext, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${ctx.csrf}">
<title>${ctx.title} · Contoso sign-in portal</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/portal.css">
<script src="/static/portal.js" defer></script>
</head>
<body data-page="${ctx.page}">
<header>
  <a class="brand" href="/">Contoso</a>
  ${
    ctx.user
      ? html`<nav>
    <a href="/security-info">Security info</a>
    ${ctx.user.isAdmin ? html`<a href="/admin/authentication-methods">Authentication methods</a> <a href="/admin/groups">Groups</a>` : ''}
    <span class="who" id="signed-in-as">${ctx.user.displayName} (${ctx.user.username})</span>
    <form method="post" action="/signout" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit" id="signout">Sign out</button></form>
  </nav>`
      : ''
  }
</header>
<main>
<h1>${ctx.title}</h1>
${body}
</main>
</body>
</html>`;
}

export const message = (text: string | undefined, kind: 'error' | 'info' = 'error') =>
  text
    ? html`<p class="message ${kind}" role="alert" id="message">${text}</p>`
    : html`<p class="message" role="alert" id="message" hidden></p>`;

export function signInPage(
  ctx: PageContext,
  opts: { error?: string; username?: string; info?: string },
): Html {
  return layout(
    ctx,
    html`${opts.error ? message(opts.error) : message(opts.info, 'info')}
<section class="card">
  <form method="post" action="/signin" id="password-form">
    <input type="hidden" name="_csrf" value="${ctx.csrf}">
    <label>Username <input name="username" id="username" autocomplete="username webauthn" required value="${opts.username ?? ''}"></label>
    <label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
    <button type="submit" id="password-submit">Next</button>
  </form>
</section>
<section class="card">
  <h2>Or sign in without a username</h2>
  <p>Use a security key you added under Security info. Your browser asks which account if the key holds several. Passkeys saved on this device or a phone may also be offered when you click the username box.</p>
  <button type="button" id="signin-key">Sign in with a security key</button>
</section>`,
  );
}

export function codePage(ctx: PageContext, opts: { error?: string; username: string }): Html {
  return layout(
    ctx,
    html`${message(opts.error)}
<section class="card">
  <p>Enter the 6-digit code from the authenticator app for <strong>${opts.username}</strong>.</p>
  <form method="post" action="/signin/code" id="code-form">
    <input type="hidden" name="_csrf" value="${ctx.csrf}">
    <label>Code <input name="code" id="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required></label>
    <button type="submit" id="code-submit">Verify</button>
  </form>
  <p><a href="/signin">Start over</a></p>
</section>`,
  );
}

export const when = (ms: number | null) =>
  ms === null ? 'Never' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** A line of activity as shown, with the key's model named. */
export type ActivityRow = ActivityEntry & { model: string };

const resultText: Record<ActivityEntry['result'], string> = {
  success: 'Success',
  failure: 'Failure',
  locked: 'Locked',
  refused: 'Refused',
};

/** Activity lines as a table; `who` adds a user column (the admin's view). */
export function activityTable(rows: ActivityRow[], who?: (userId: string | null) => string): Html {
  if (rows.length === 0) return html`<p class="hint" id="no-activity">No activity yet.</p>`;
  return html`<table class="activity" id="activity">
<thead><tr><th>Time</th>${who ? html`<th>User</th>` : ''}<th>Activity</th><th>Key</th><th>Result</th><th>Details</th><th>Source</th></tr></thead>
<tbody>
${rows.map(
  (a) => html`<tr class="activity-row" data-kind="${a.kind}" data-result="${a.result}">
  <td>${when(a.at)}</td>${who ? html`<td>${who(a.userId)}</td>` : ''}
  <td>${a.kind === 'sign-in' ? `Sign-in: ${a.action}` : a.action[0]!.toUpperCase() + a.action.slice(1)}</td>
  <td>${a.keyName ? html`${a.keyName}<br><small>${a.model} · <code>${a.aaguid}</code></small>` : ''}</td>
  <td class="result ${a.result}">${resultText[a.result]}</td>
  <td>${a.detail}</td>
  <td><code>${a.source}</code></td>
</tr>`,
)}
</tbody></table>`;
}

export function securityInfoPage(
  ctx: PageContext,
  opts: {
    keys: (StoredCredential & { model: string })[];
    activity: ActivityRow[];
    info?: string;
    error?: string;
  },
): Html {
  return layout(
    ctx,
    html`${opts.error ? message(opts.error) : message(opts.info, 'info')}
<p>These are the methods you use to sign in to your account.</p>
<p><a class="button" href="/security-info/add" id="add-method">+ Add sign-in method</a></p>
<table class="methods" id="methods">
<thead><tr><th>Method</th><th>Name</th><th>Model</th><th>Added</th><th>Last used</th><th></th></tr></thead>
<tbody>
<tr><td>Password</td><td colspan="5">Your password, with a code from your authenticator app</td></tr>
<tr><td>Authenticator app</td><td colspan="5">Time-based one-time code</td></tr>
${opts.keys.map(
  (k) => html`<tr class="security-key" data-credential-id="${k.id}">
  <td>Security key</td>
  <td class="key-name">${k.name}${
    k.flaggedAt !== null
      ? html` <strong class="flag" title="Its signature counter went backwards or ran out">Possibly copied: re-register this key</strong>`
      : ''
  }</td>
  <td class="key-model">${k.model}</td>
  <td>${when(k.createdAt)}</td>
  <td class="key-last-used">${when(k.lastUsedAt)}</td>
  <td class="actions">
    <a href="/security-info/keys/${encodeURIComponent(k.id)}/name">Rename</a>
    <form method="post" action="/security-info/keys/${encodeURIComponent(k.id)}/delete" class="inline">
      <input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit" class="link delete-key">Delete</button>
    </form>
  </td>
</tr>`,
)}
</tbody>
</table>
<h2>Recent activity</h2>
${activityTable(opts.activity)}`,
  );
}

/** `securityKey`: why a security key can't be added, when it can't (then it is not offered). */
export function addMethodPage(ctx: PageContext, opts: { securityKey?: string | undefined }): Html {
  return layout(
    ctx,
    html`<section class="card">
  ${
    opts.securityKey
      ? html`<p id="no-methods">No other sign-in method is available to you. ${opts.securityKey}</p>`
      : html`<p>Which method would you like to add?</p>
  <ul class="choices">
    <li><a href="/security-info/add-key" id="choose-security-key">Security key</a> — a USB or NFC key you touch, with a PIN or fingerprint</li>
  </ul>`
  }
  <p><a href="/security-info">Cancel</a></p>
</section>`,
  );
}

export function addKeyPage(ctx: PageContext, opts: { blocked?: string; reauth?: boolean }): Html {
  if (opts.blocked)
    return layout(
      ctx,
      html`${message(opts.blocked)}<p><a href="/security-info">Back to Security info</a></p>`,
    );
  if (opts.reauth)
    return layout(
      ctx,
      html`${message('For your security, sign in again with your password and code to add a security key.')}
<form method="post" action="/signout" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="next" value="reauth">
<button type="submit" id="reauth">Sign in again</button></form>`,
    );
  return layout(
    ctx,
    html`${message(undefined)}
<section class="card" id="choose-transport">
  <p>Choose how your security key connects:</p>
  <button type="button" class="add-key" data-transport="usb" id="add-key-usb">USB device</button>
  <button type="button" class="add-key" data-transport="nfc" id="add-key-nfc">NFC device</button>
  <p class="hint" id="hint-usb" hidden>Insert your security key into a USB port. When it blinks, touch it, and enter its PIN if asked.</p>
  <p class="hint" id="hint-nfc" hidden>Hold your security key against the NFC reader, and enter its PIN if asked.</p>
  <p><a href="/security-info">Cancel</a></p>
</section>`,
  );
}

export function nameKeyPage(
  ctx: PageContext,
  opts: { key: StoredCredential; model: string; error?: string },
): Html {
  return layout(
    ctx,
    html`${message(opts.error)}
<section class="card">
  <p>Your security key is ready (${opts.model}). Give it a name so you can tell it apart from your other keys.</p>
  <form method="post" action="/security-info/keys/${encodeURIComponent(opts.key.id)}/rename" id="name-form">
    <input type="hidden" name="_csrf" value="${ctx.csrf}">
    <label>Name <input name="name" id="key-name" maxlength="64" required value="${opts.key.name}"></label>
    <button type="submit" id="save-name">Save</button>
  </form>
</section>`,
  );
}

export function errorPage(ctx: PageContext, text: string): Html {
  return layout(ctx, html`${message(text)}<p><a href="/">Home</a></p>`);
}
