// What every page needs: the session, the search engine bound to it, the cart, and navigation.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api.js';
import type { SearchEngine } from './search.js';
import type { View } from './state.js';

export interface Portal {
  session: Session;
  engine: SearchEngine;
  cart: string[];
  setCart(uids: string[]): void;
  go(view: View, replace?: boolean): void;
  /** Shows a message in the live region (errors and confirmations). */
  announce(message: string): void;
}

export const PortalContext = createContext<Portal | null>(null);

export function usePortal(): Portal {
  const p = useContext(PortalContext);
  if (!p) throw new Error('usePortal outside the portal');
  return p;
}

/** A link that navigates inside the portal (keeps a real href for new tabs and sharing). */
export function linkHandler(go: Portal['go'], view: View) {
  return (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    go(view);
  };
}
