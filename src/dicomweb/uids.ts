// What a UID looks like (PS3.5 9.1): digits in dot-separated components, at most 64
// characters. Path and query UIDs are checked before they reach the index, so a mistyped
// one is a 400 that says so instead of an empty answer.
export function isUid(text: string): boolean {
  return text.length > 0 && text.length <= 64 && /^\d+(\.\d+)*$/.test(text);
}
