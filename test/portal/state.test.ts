// The portal's URL state: every search choice survives a round trip through the URL (links
// are shared and Back replays them), and junk in a hand-edited URL falls back to defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptySearch, parseView, viewUrl, type View } from '../../src/portal/app/state.js';

test('each view survives a round trip through its URL', () => {
  const search = emptySearch();
  search.facets.collection = ['DEMO-CT-LUNG', 'A&B=C'];
  search.facets.modality = ['CT'];
  search.facets.bodyPart = ['NOT SPECIFIED'];
  search.facets.manufacturer = ['GE MEDICAL SYSTEMS'];
  search.facets.species = ['337915000'];
  Object.assign(search, { from: '2015-01-01', to: '2020-12-31', text: 'lung 2.5mm', sort: 'size', descending: true, page: 3 });
  const views: View[] = [
    { kind: 'search', search },
    { kind: 'search', search: emptySearch() },
    { kind: 'series', uid: '1.2.840.113619.2.55.3' },
    { kind: 'collection', name: 'DEMO MR/BRAIN' },
    { kind: 'cart' },
    { kind: 'shared', name: 'my cart?' },
  ];
  for (const view of views) {
    const url = viewUrl(view);
    assert.deepEqual(parseView(url.slice(1)), view, url);
  }
  assert.equal(viewUrl({ kind: 'search', search: emptySearch() }), '/');
});

test('a hand-edited URL with junk gives the defaults, never a broken state', () => {
  const view = parseView('?sort=drop&page=-2&from=yesterday&to=2020-13&order=sideways&modality=');
  assert.deepEqual(view, { kind: 'search', search: emptySearch() });
  assert.deepEqual(parseView('?page=2.5'), { kind: 'search', search: emptySearch() });
  // A shared cart wins over anything else in the URL.
  assert.deepEqual(parseView('?cart=x&series=y&modality=CT'), { kind: 'shared', name: 'x' });
});
