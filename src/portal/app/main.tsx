// The portal's shell: the header (home, Cart link with its count, log in / log out), the
// page the URL names, and a live region for messages. The session starts as the guest;
// logging in or out starts a new search engine, so nothing seen by one viewer is shown to
// the next.
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { GUEST, guestSession, login, logout, type Session } from './api.js';
import { loadCart, saveCart } from './cart.js';
import { linkHandler, PortalContext, type Portal } from './context.js';
import { SearchEngine } from './search.js';
import { emptySearch, parseView, viewUrl, type View } from './state.js';
import { SearchPage } from './components/SearchPage.js';
import { SeriesPage } from './components/SeriesPage.js';
import { CollectionPage } from './components/CollectionPage.js';
import { CartPage, SharedCartPage } from './components/CartPage.js';
import './style.css';

function LoginForm({ onLogin }: { onLogin(username: string, password: string): Promise<void> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  return (
    <form
      class="login"
      aria-label="Log in"
      onSubmit={(e) => {
        e.preventDefault();
        // A failed login is reported in the status line by onLogin; the form keeps its fields.
        onLogin(username.trim(), password).then(() => setPassword(''), () => undefined);
      }}
    >
      <label for="username">Username</label>
      <input id="username" autocomplete="username" value={username} required onInput={(e) => setUsername(e.currentTarget.value)} />
      <label for="password">Password</label>
      <input id="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      <button type="submit">Log in</button>
    </form>
  );
}

function App() {
  // The password stays inside the client's memory only: a reload starts as the guest again.
  const [session, setSession] = useState<Session>(guestSession);
  const [view, setView] = useState<View>(() => parseView(location.search));
  const [cart, setCartState] = useState<string[]>(loadCart);
  const [message, setMessage] = useState('');

  useEffect(() => {
    const onPop = () => setView(parseView(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const go = useCallback((next: View, replace = false) => {
    const url = viewUrl(next);
    // The same state twice (a field's input and change events) is one history entry.
    if (replace || url === location.pathname + location.search) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    setView(next);
    scrollTo(0, 0);
  }, []);

  const engine = useMemo(() => new SearchEngine(session), [session]);
  const portal: Portal = useMemo(
    () => ({
      session,
      engine,
      cart,
      setCart: (uids: string[]) => (saveCart(uids), setCartState(uids)),
      go,
      announce: setMessage,
    }),
    [session, engine, cart, go],
  );

  const doLogin = async (username: string, password: string) => {
    try {
      const s = await login(username, password);
      setSession(s);
      setMessage(`Logged in as ${s.username}`);
    } catch (e) {
      setMessage(`Login failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  };
  const doLogout = async () => {
    // Back to the guest whatever the server says: a session it already forgot is over too.
    await logout(session).catch(() => undefined);
    setSession(guestSession());
    setMessage('Logged out');
  };

  const home = { kind: 'search', search: emptySearch() } as const;
  const cartView = { kind: 'cart' } as const;
  return (
    <>
      <header>
        <a class="brand" href="/" onClick={linkHandler(go, home)}>
          Imaging archive
        </a>
        <nav aria-label="Main">
          <a href={viewUrl(cartView)} onClick={linkHandler(go, cartView)} aria-current={view.kind === 'cart' ? 'page' : undefined}>
            Cart ({cart.length})
          </a>
        </nav>
        {session.username !== GUEST ? (
          <div class="user">
            <span>Logged in as {session.username}</span>
            <button type="button" onClick={() => void doLogout()}>
              Log out
            </button>
          </div>
        ) : (
          <LoginForm onLogin={doLogin} />
        )}
      </header>
      <p class="status" role="status">
        {message}
      </p>
      <main>
        <PortalContext.Provider value={portal}>
          {view.kind === 'search' && <SearchPage search={view.search} />}
          {view.kind === 'series' && <SeriesPage uid={view.uid} />}
          {view.kind === 'collection' && <CollectionPage name={view.name} />}
          {view.kind === 'cart' && <CartPage />}
          {view.kind === 'shared' && <SharedCartPage name={view.name} />}
        </PortalContext.Provider>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
