// The page: who is signed in, where we are (the URL), and the list or a job page.
import { useCallback, useEffect, useRef, useState } from 'react';
import { currentSession, signOut, type Session } from './api.js';
import { JobList } from './JobList.js';
import { JobPage } from './JobPage.js';
import { useLiveJobs, useNow } from './live.js';
import { listHref, navigate, onLinkClick, parseRoute, useLocation } from './route.js';
import { SignIn } from './SignIn.js';

export function App() {
  const [session, setSession] = useState<Session | null | 'unknown'>('unknown');
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => { void currentSession().then(setSession, () => setSession(null)); }, []);
  const signedOut = useCallback(() => {
    setNotice('Your session has ended (signed out, expired, or its token was revoked): sign in again.');
    setSession(null);
  }, []);

  if (session === 'unknown') return <main id="main" className="muted">Loading…</main>;
  if (session === null) return <SignIn notice={notice} onSignedIn={(s) => { setNotice(null); setSession(s); }} />;
  return <SignedIn session={session} onSignedOut={signedOut} onSignOut={async () => { await signOut(); setNotice('Signed out.'); setSession(null); }} />;
}

function SignedIn({ session, onSignedOut, onSignOut }: { session: Session; onSignedOut: () => void; onSignOut: () => Promise<void> }) {
  const loc = useLocation();
  const route = parseRoute(loc.pathname, loc.search);
  const live = useLiveJobs(onSignedOut);
  const now = useNow(5000);
  // Back to the list as it was left: its filters are in its URL.
  const lastList = useRef('/');
  if (route?.page === 'list') lastList.current = listHref(route.filters);
  useEffect(() => {
    if (route?.page === 'list') document.title = 'Jobs · Pakyas';
  }, [route?.page]);
  const who = `${session.token}${session.readOnly ? ', read-only' : ''}${session.project ? `, project ${session.project}` : session.admin ? ', admin' : ''}`;

  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <a className="brand" href="/" onClick={onLinkClick('/')}>Pakyas</a>
        <span className="who">Signed in with {who}</span>
        <button type="button" onClick={() => void onSignOut()}>Sign out</button>
      </header>
      {route === null ? (
        <main id="main"><h1>Not found</h1><p>There is no page here. <a href="/" onClick={onLinkClick('/')}>All jobs</a></p></main>
      ) : route.page === 'list' ? (
        <JobList jobs={live.jobs} link={live.link} error={live.error} filters={route.filters} now={now} />
      ) : (
        <JobPage key={`${route.project}/${route.job}`} project={route.project} job={route.job} now={now} onSignedOut={onSignedOut}
          backHref={lastList.current} onBack={(e) => { e.preventDefault(); navigate(lastList.current); }} />
      )}
    </>
  );
}
