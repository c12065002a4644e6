import { describe, expect, it } from 'vitest';
import { listFieldOf } from '../../src/domain/job.js';

describe('the list field of an input image', () => {
  it('names images for the items of a JSON edit, whether a URL or a file id', () => {
    expect(listFieldOf('images[0].image_url')).toBe('images');
    expect(listFieldOf('images[1].file_id')).toBe('images');
  });

  it('names the list of flat references and leaves single fields as they are', () => {
    expect(listFieldOf('image_urls[2]')).toBe('image_urls');
    expect(listFieldOf('reference_file_ids[0]')).toBe('reference_file_ids');
    expect(listFieldOf('image')).toBe('image');
    expect(listFieldOf('mask.file_id')).toBe('mask.file_id');
  });
});
