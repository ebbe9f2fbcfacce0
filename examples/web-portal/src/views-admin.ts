/** The admin's pages: Authentication methods, the FIDO2 security key policy, and groups. */
import { html } from 'hono/html';
import type { Scope } from './policy.js';
import type { Fido2Policy, Group, StoredCredential, User } from './store/types.js';
import {
  type ActivityRow,
  activityTable,
  type Html,
  layout,
  message,
  type PageContext,
  when,
} from './views.js';

export function adminMethodsPage(ctx: PageContext, policy: Fido2Policy, groups: Group[]): Html {
  const names = (ids: string[]) =>
    ids.map((id) => groups.find((g) => g.id === id)?.name ?? id).join(', ') || 'none';
  const target =
    policy.target === 'all'
      ? 'All users'
      : `Groups: ${names(policy.includedGroupIds)}; ${policy.includedUserIds.length} selected user(s)`;
  const excluded = policy.excludedGroupIds.length > 0 ? `; excluded: ${names(policy.excludedGroupIds)}` : '';
  return layout(
    ctx,
    html`<table class="methods" id="auth-methods">
<thead><tr><th>Method</th><th>Target</th><th>Enabled</th></tr></thead>
<tbody>
<tr><td><a href="/admin/authentication-methods/fido2" id="method-fido2">FIDO2 security key</a></td>
<td id="fido2-target">${target}${excluded}</td>
<td id="fido2-enabled">${policy.enabled ? 'Yes' : 'No'}</td></tr>
<tr><td>Password + authenticator app</td><td>All users</td><td>Yes</td></tr>
</tbody></table>
<p><a href="/admin/groups" id="manage-groups">Groups</a> · <a href="/admin/activity" id="admin-activity">Sign-in activity</a></p>`,
  );
}

export interface ModelRow {
  aaguid: string;
  name: string;
}

export interface FlaggedKeyRow {
  key: StoredCredential;
  user: string;
  model: string;
}

export interface ScopeRow {
  user: User;
  scope: Scope;
}

const scopeText = (s: Scope, groupName: (id: string) => string): string => {
  switch (s.via) {
    case 'all-users':
      return 'Yes: all users';
    case 'user':
      return 'Yes: selected user';
    case 'group':
      return `Yes: member of ${groupName(s.groupId ?? '')}`;
    case 'excluded-group':
      return `No: excluded (member of ${groupName(s.groupId)})`;
    case 'not-included':
      return 'No: not in a selected group';
  }
};

export function adminFido2Page(
  ctx: PageContext,
  opts: {
    flagged: FlaggedKeyRow[];
    policy: Fido2Policy;
    users: User[];
    groups: Group[];
    scope: ScopeRow[];
    catalog: ModelRow[];
    /** What metadata is loaded, in one sentence. */
    metadataNote: string;
    describe: (aaguid: string) => string;
    info?: string;
    error?: string;
  },
): Html {
  const p = opts.policy;
  const r = p.keyRestrictions;
  const listed = new Set(r.aaguids);
  const extra = r.aaguids.filter((a) => !opts.catalog.some((m) => m.aaguid === a));
  const checked = (b: boolean) => (b ? 'checked' : '');
  const groupName = (id: string) => opts.groups.find((g) => g.id === id)?.name ?? 'a removed group';
  const groupBoxes = (name: string, ids: string[]) =>
    opts.groups.length === 0
      ? html`<p class="hint">No groups yet. <a href="/admin/groups">Create one</a>.</p>`
      : opts.groups.map(
          (g) =>
            html`<label class="row"><input type="checkbox" name="${name}" value="${g.id}" data-group="${g.name}" ${checked(ids.includes(g.id))}> ${g.name} (${g.memberIds.length} member${g.memberIds.length === 1 ? '' : 's'})</label>`,
        );
  return layout(
    ctx,
    html`${opts.error ? message(opts.error) : message(opts.info, 'info')}
<form method="post" action="/admin/authentication-methods/fido2" id="policy-form">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<section class="card">
  <h2>Enable and target</h2>
  <label class="row"><input type="checkbox" name="enabled" id="policy-enabled" value="1" ${checked(p.enabled)}> Enable</label>
  <fieldset><legend>Include</legend>
    <label class="row"><input type="radio" name="target" value="all" id="target-all" ${checked(p.target === 'all')}> All users</label>
    <label class="row"><input type="radio" name="target" value="selected" id="target-selected" ${checked(p.target === 'selected')}> Select groups</label>
    <div class="groups" id="include-groups">${groupBoxes('includeGroup', p.includedGroupIds)}</div>
    <p>and these users:</p>
    <div class="users">
    ${opts.users.map(
      (u) =>
        html`<label class="row"><input type="checkbox" name="include" value="${u.id}" data-username="${u.username}" ${checked(p.includedUserIds.includes(u.id))}> ${u.displayName} (${u.username})</label>`,
    )}
    </div>
  </fieldset>
  <fieldset><legend>Exclude</legend>
    <div class="groups" id="exclude-groups">${groupBoxes('excludeGroup', p.excludedGroupIds)}</div>
  </fieldset>
  <table class="models" id="scope">
    <thead><tr><th>User</th><th>In scope</th></tr></thead>
    <tbody>${opts.scope.map(
      (s) =>
        html`<tr data-username="${s.user.username}"><td>${s.user.displayName} (${s.user.username})</td><td class="${s.scope.inScope ? 'yes' : 'no'}">${p.enabled ? scopeText(s.scope, groupName) : 'No: the method is off'}</td></tr>`,
    )}</tbody>
  </table>
</section>
<section class="card">
  <h2>Configure</h2>
  <label class="row"><input type="checkbox" name="selfService" id="policy-self-service" value="1" ${checked(p.allowSelfServiceSetup)}> Allow self-service set up</label>
  <label class="row"><input type="checkbox" name="enforceAttestation" id="policy-attestation" value="1" ${checked(p.enforceAttestation)}> Enforce attestation</label>
  <fieldset><legend>Key restriction policy</legend>
    <label class="row"><input type="checkbox" name="restrict" id="policy-restrict" value="1" ${checked(r.enforced)}> Enforce key restrictions</label>
    <p>Restrict specific keys:</p>
    <label class="row"><input type="radio" name="mode" value="allow" id="mode-allow" ${checked(r.mode === 'allow')}> Allow: only the models ticked below</label>
    <label class="row"><input type="radio" name="mode" value="block" id="mode-block" ${checked(r.mode === 'block')}> Block: the models ticked below, allow all others</label>
    ${r.enforced && !p.enforceAttestation ? html`<p class="message warn">Without enforced attestation a key can claim any model: restrictions are advisory.</p>` : ''}
    <p class="hint" id="metadata-note">${opts.metadataNote}</p>
    <table class="models" id="models">
      <thead><tr><th></th><th>Model (from metadata)</th><th>AAGUID</th></tr></thead>
      <tbody>
      ${opts.catalog.map(
        (m) =>
          html`<tr><td><input type="checkbox" name="aaguid" value="${m.aaguid}" ${checked(listed.has(m.aaguid))}></td><td>${m.name}</td><td><code>${m.aaguid}</code></td></tr>`,
      )}
      ${extra.map(
        (a) =>
          html`<tr><td><input type="checkbox" name="aaguid" value="${a}" checked></td><td>${opts.describe(a)}</td><td><code>${a}</code></td></tr>`,
      )}
      </tbody>
    </table>
    <label>Add AAGUIDs (one per line) <textarea name="moreAaguids" id="more-aaguids" rows="2"></textarea></label>
  </fieldset>
</section>
<button type="submit" id="policy-save">Save</button>
</form>
${
  opts.flagged.length > 0
    ? html`<section class="card" id="flagged-keys">
  <h2>Keys flagged as possibly copied</h2>
  <p>Their signature counter went backwards or ran out, so sign-in with them is refused. Ask each user to re-register the key (remove it and add it again).</p>
  <table class="models"><thead><tr><th>User</th><th>Key</th><th>Model</th><th>Reason</th><th>Flagged</th></tr></thead><tbody>
  ${opts.flagged.map(
    (f) =>
      html`<tr><td>${f.user}</td><td>${f.key.name}</td><td>${f.model}</td><td>${f.key.flagReason === 'counter-exhausted' ? 'Counter ran out (2^32-1)' : 'Counter went backwards'}: re-register this key</td><td>${when(f.key.flaggedAt)}</td></tr>`,
  )}
  </tbody></table>
</section>`
    : ''
}`,
  );
}

export function adminGroupsPage(
  ctx: PageContext,
  opts: { groups: Group[]; users: User[]; info?: string; error?: string },
): Html {
  const byId = new Map(opts.users.map((u) => [u.id, u]));
  return layout(
    ctx,
    html`${opts.error ? message(opts.error) : message(opts.info, 'info')}
<section class="card">
  <h2>New group</h2>
  <form method="post" action="/admin/groups" id="new-group">
    <input type="hidden" name="_csrf" value="${ctx.csrf}">
    <label>Name <input name="name" id="group-name" maxlength="64" required></label>
    <button type="submit" id="create-group">Create group</button>
  </form>
</section>
${opts.groups.map(
  (g) => html`<section class="card group" data-group="${g.name}">
  <h2>${g.name}</h2>
  <ul class="members">
  ${g.memberIds.map((id) => {
    const u = byId.get(id);
    return html`<li data-username="${u?.username ?? id}">${u ? `${u.displayName} (${u.username})` : id}
      <form method="post" action="/admin/groups/${g.id}/members/${id}/remove" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit" class="link remove-member">Remove</button></form></li>`;
  })}
  </ul>
  <form method="post" action="/admin/groups/${g.id}/members" class="add-member">
    <input type="hidden" name="_csrf" value="${ctx.csrf}">
    <label>Add member <select name="userId">${opts.users
      .filter((u) => !g.memberIds.includes(u.id))
      .map((u) => html`<option value="${u.id}">${u.displayName} (${u.username})</option>`)}</select></label>
    <button type="submit">Add</button>
  </form>
</section>`,
)}`,
  );
}

export function adminActivityPage(
  ctx: PageContext,
  opts: {
    users: User[];
    rows: ActivityRow[];
    who: (userId: string | null) => string;
    filter: { user: string; kind: string; result: string };
  },
): Html {
  const f = opts.filter;
  const option = (value: string, label: string, current: string) =>
    html`<option value="${value}" ${value === current ? 'selected' : ''}>${label}</option>`;
  return layout(
    ctx,
    html`<form method="get" action="/admin/activity" id="activity-filter" class="card">
  <label>User <select name="user" id="filter-user">${option('', 'All users', f.user)}${opts.users.map((u) =>
    option(u.username, `${u.displayName} (${u.username})`, f.user),
  )}</select></label>
  <label>Activity <select name="kind" id="filter-kind">${option('', 'All', f.kind)}${option('sign-in', 'Sign-ins', f.kind)}${option('security-info', 'Security info changes', f.kind)}</select></label>
  <label>Result <select name="result" id="filter-result">${option('', 'All', f.result)}${option('success', 'Success', f.result)}${option('failure', 'Failure', f.result)}${option('locked', 'Locked', f.result)}${option('refused', 'Refused', f.result)}</select></label>
  <button type="submit" id="filter-apply">Filter</button>
</form>
${activityTable(opts.rows, opts.who)}`,
  );
}
