// The cart: SeriesInstanceUIDs in the order added, kept in localStorage so it survives
// reloads and login/logout (the server decides what each viewer may see of it).
const KEY = 'nbia-portal-cart';

export function loadCart(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function saveCart(uids: readonly string[]): void {
  localStorage.setItem(KEY, JSON.stringify(uids));
}

export function addAll(cart: readonly string[], uids: readonly string[]): string[] {
  const have = new Set(cart);
  return [...cart, ...uids.filter((u) => !have.has(u) && (have.add(u), true))];
}

/** Saves a download the browser made in memory under a file name. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
