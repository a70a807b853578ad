// The VR of each indexed attribute (the parser needs it for implicit-VR files) against the
// PS3.6 data dictionary as published in @iwharris/dicom-data-dictionary.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { get_element } from '@iwharris/dicom-data-dictionary';
import { ATTRIBUTES } from '../../src/dicom/attributes.js';

it('every indexed attribute has the VR PS3.6 gives its tag, and sequence paths pass through SQs', () => {
  for (const attribute of ATTRIBUTES) {
    const path = typeof attribute.tag === 'string' ? [attribute.tag] : [...attribute.tag];
    const entries = path.map((tag) => get_element(tag));
    entries.forEach((entry, i) => assert.ok(entry, `${attribute.keyword}: ${path[i]} is not in the dictionary`));
    for (const entry of entries.slice(0, -1)) assert.equal(entry!.vr, 'SQ', `${attribute.keyword}: ${entry!.keyword} is not a sequence`);
    const last = entries[entries.length - 1]!;
    assert.equal(attribute.vr, last.vr, `${attribute.keyword} (${last.keyword})`);
    // The keyword names the tag it claims to (the last path step for a sequence path).
    assert.equal(attribute.keyword.split('.').pop(), last.keyword, `${attribute.keyword} tag ${path.join('.')}`);
  }
  // One entry per keyword and per index column: a duplicate would shadow another's VR or value.
  assert.equal(new Set(ATTRIBUTES.map((a) => a.keyword)).size, ATTRIBUTES.length);
  assert.equal(new Set(ATTRIBUTES.map((a) => `${a.level}.${a.column}`)).size, ATTRIBUTES.length);
});
