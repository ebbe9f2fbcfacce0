// The portal's browser code: the two WebAuthn ceremonies. Uses
// PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON and
// credential.toJSON() where the browser has them, and a small fallback where it doesn't.

(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

  const b64urlToBuffer = (s) => {
    const b64 = s
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(s.length / 4) * 4, '=');
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  };
  const bufferToB64url = (buf) => {
    const bytes = new Uint8Array(buf);
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const descriptors = (list) => (list ?? []).map((d) => ({ ...d, id: b64urlToBuffer(d.id) }));

  const parseCreation = (json) => {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function')
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return {
      ...json,
      challenge: b64urlToBuffer(json.challenge),
      user: { ...json.user, id: b64urlToBuffer(json.user.id) },
      excludeCredentials: descriptors(json.excludeCredentials),
    };
  };
  const parseRequest = (json) => {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function')
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return {
      ...json,
      challenge: b64urlToBuffer(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    };
  };
  const toJSON = (cred) => {
    if (typeof cred.toJSON === 'function') return cred.toJSON();
    const r = cred.response;
    const response = { clientDataJSON: bufferToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = bufferToB64url(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = bufferToB64url(r.authenticatorData);
      response.signature = bufferToB64url(r.signature);
      if (r.userHandle) response.userHandle = bufferToB64url(r.userHandle);
    }
    return {
      id: cred.id,
      rawId: bufferToB64url(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
      response,
      clientExtensionResults: cred.getClientExtensionResults(),
    };
  };

  const post = async (url, body) => {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body ?? {}),
    });
    const json = await res.json().catch(() => ({ error: 'Something went wrong. Try again.' }));
    return { ok: res.ok, json };
  };

  const show = (text, kind = 'error') => {
    const el = document.getElementById('message');
    if (!el) return;
    el.textContent = text;
    el.className = `message ${kind}`;
    el.hidden = false;
  };
  const browserError = (e) =>
    e && e.name === 'NotAllowedError'
      ? 'The security key request was cancelled or timed out. Try again.'
      : e && e.name === 'InvalidStateError'
        ? 'This security key is already registered to your account.'
        : 'Your browser could not use the security key. Try again.';

  const busy = (on) => {
    for (const b of document.querySelectorAll('button')) b.disabled = on;
    document.body.classList.toggle('busy', on);
  };

  /** Verifies an assertion and goes where the server says; shows its message otherwise. */
  async function finishSignIn(credential) {
    const result = await post('/api/signin/key/verify', { response: toJSON(credential) });
    if (!result.ok) return show(result.json.error);
    location.assign(result.json.redirect);
  }

  // Passkey autofill: a conditional request runs while the sign-in page is open, so the browser
  // can offer the key in the username field's suggestions (autocomplete="username webauthn").
  // The button aborts it and asks the modal way.
  let conditional;
  async function startConditional() {
    const available = await window.PublicKeyCredential?.isConditionalMediationAvailable?.().catch(
      () => false,
    );
    if (!available) return;
    document.body.dataset.conditional = 'pending';
    conditional = new AbortController();
    const signal = conditional.signal;
    const options = await post('/api/signin/key/options');
    if (!options.ok || signal.aborted) return;
    let credential;
    try {
      credential = await navigator.credentials.get({
        publicKey: parseRequest(options.json),
        mediation: 'conditional',
        signal,
      });
    } catch (e) {
      if (!signal.aborted && e?.name !== 'AbortError') document.body.dataset.conditional = 'failed';
      return;
    }
    document.body.dataset.conditional = 'chosen';
    busy(true);
    try {
      await finishSignIn(credential);
    } finally {
      busy(false);
    }
  }

  async function signInWithKey() {
    conditional?.abort();
    busy(true);
    try {
      const options = await post('/api/signin/key/options');
      if (!options.ok) return show(options.json.error);
      let credential;
      try {
        credential = await navigator.credentials.get({ publicKey: parseRequest(options.json) });
      } catch (e) {
        return show(browserError(e));
      }
      await finishSignIn(credential);
    } finally {
      busy(false);
    }
  }

  async function addKey(transport) {
    for (const h of document.querySelectorAll('.hint')) h.hidden = h.id !== `hint-${transport}`;
    busy(true);
    try {
      const options = await post('/api/keys/register/options', { transport });
      if (!options.ok) return show(options.json.error);
      let credential;
      try {
        credential = await navigator.credentials.create({ publicKey: parseCreation(options.json) });
      } catch (e) {
        return show(browserError(e));
      }
      const result = await post('/api/keys/register/verify', { response: toJSON(credential), transport });
      if (!result.ok) return show(result.json.error);
      location.assign(result.json.redirect);
    } finally {
      busy(false);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('signin-key')?.addEventListener('click', () => void signInWithKey());
    if (document.body.dataset.page === 'signin') void startConditional();
    for (const b of document.querySelectorAll('button.add-key'))
      b.addEventListener('click', () => void addKey(b.dataset.transport));
    for (const f of document.querySelectorAll('form')) {
      if (f.querySelector('.delete-key'))
        f.addEventListener('submit', (e) => {
          if (!confirm('Delete this security key? You will no longer be able to sign in with it.'))
            e.preventDefault();
        });
    }
  });
})();
