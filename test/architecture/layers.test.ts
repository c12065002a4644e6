/** The folders of src/ are layers: each imports only its own and lower folders (tools/layers.ts has the order). */
import { describe, expect, it } from 'vitest';
import { importGraph, LAYERS } from '../../tools/layers.js';

describe('the layers of src/', () => {
  const graph = importGraph();

  it('has every folder in the layer order', () => {
    expect(graph.unknown).toEqual([]);
  });

  it('has no import that runs up the layers', () => {
    expect(graph.upward).toEqual([]);
  });

  it('keeps the byte libraries free of the rest of the app', () => {
    expect(graph.edges.filter((e) => e.from === 'bytes')).toEqual([]);
  });

  it('sees the imports it judges (the check cannot pass by reading nothing)', () => {
    const pipeline = graph.edges.filter((e) => e.from === 'pipeline').map((e) => e.to);
    expect(pipeline).toEqual(expect.arrayContaining(['domain', 'net', 'billing']));
    expect(LAYERS.indexOf('domain')).toBeLessThan(LAYERS.indexOf('pipeline'));
  });
});
