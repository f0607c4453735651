import { describe, expect, it } from 'vitest';
import { describeLocation, documentFileUrl } from './location.ts';

describe('describeLocation', () => {
  it('says where a passage is, in reading order', () => {
    expect(describeLocation({ page: 4 })).toBe('page 4');
    expect(describeLocation({ sheet: 'Staff', row: 12 })).toBe('sheet Staff, row 12');
    expect(describeLocation({ headings: ['Leave', 'Vacation'], line: 40 })).toBe('Leave › Vacation, line 40');
    expect(describeLocation({})).toBe('');
  });

  it('escapes names in the original file link', () => {
    expect(documentFileUrl('hr docs', 'a/b')).toBe('/api/knowledge-bases/hr%20docs/documents/a%2Fb/file');
  });
});
