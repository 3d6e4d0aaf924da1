// Sign-in: paste a token. It goes to the server once, in a POST body; the server answers with a
// session cookie the page cannot read. A read-only token is enough to look.
import { useEffect, useRef, useState } from 'react';
import { signIn, type Session } from './api.js';

export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => { input.current?.focus(); document.title = 'Sign in · Pakyas'; }, []);
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Pakyas</h1>
      <p>Paste an API token. A read-only one is enough to look: <code>pakyas token create --project P --read-only</code> makes one.</p>
      {notice ? <p role="status">{notice}</p> : null}
      {/* POST, so that even a form sent before the page's script ran would never put the token in a URL. */}
      <form method="post" action="/web/session" onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        const r = await signIn(token).catch((err: Error) => `Cannot reach the server: ${err.message}`);
        setBusy(false);
        if (typeof r === 'string') { setError(r); input.current?.focus(); return; }
        setToken('');
        onSignedIn(r);
      }}>
        <label>
          <span>API token</span>
          <input ref={input} type="password" name="token" value={token} onChange={(e) => setToken(e.target.value)}
            autoComplete="off" spellCheck={false} required minLength={8} maxLength={512} aria-describedby={error ? 'sign-in-error' : undefined} />
        </label>
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      {error ? <p id="sign-in-error" className="error" role="alert">{error}</p> : null}
    </main>
  );
}
