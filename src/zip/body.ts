// A response body described as segments with known offsets: bytes we make on demand
// (headers, the central directory) and items whose bytes come from elsewhere (a stored
// file) or from memory. Knowing every length up front gives an exact Content-Length and
// lets any byte range be served without producing the bytes before it.

/** Where an item's bytes come from: memory, or a source the caller knows how to open. */
export type ItemContent<S> = { readonly inline: Buffer } | { readonly external: S };

/** Bytes whose size and CRC-32 are known before they are read (from the index). */
export interface DataItem<S> {
  readonly size: number;
  /** Unsigned CRC-32 of the bytes. */
  readonly crc32: number;
  readonly content: ItemContent<S>;
}

export type BodySegment<S> =
  | { readonly kind: 'bytes'; readonly start: number; readonly length: number; make(): Buffer }
  | {
      readonly kind: 'item';
      readonly start: number;
      /** Bytes made on demand just before the item (a ZIP local header; 0 for a bare file). */
      readonly headerLength: number;
      makeHeader(): Buffer;
      readonly item: DataItem<S>;
    };

export interface Body<S> {
  readonly totalSize: number;
  /** The segments in order, contiguous from offset 0 to totalSize. Lazily produced. */
  segments(): Iterable<BodySegment<S>>;
}

export function segmentLength<S>(segment: BodySegment<S>): number {
  return segment.kind === 'bytes' ? segment.length : segment.headerLength + segment.item.size;
}

const EMPTY = Buffer.alloc(0);

/** A body of one item and nothing else (a single stored file). */
export function singleItemBody<S>(item: DataItem<S>): Body<S> {
  return {
    totalSize: item.size,
    *segments() {
      yield { kind: 'item', start: 0, headerLength: 0, makeHeader: () => EMPTY, item };
    },
  };
}
