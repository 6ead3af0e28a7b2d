import { describe, expect, it } from 'vitest';
import { matchRestPath } from './rest.ts';

describe('matchRestPath', () => {
  it('matches exact paths and ":name" segments, decoding them', () => {
    expect(matchRestPath('/api/uploads', '/api/uploads')).toEqual({});
    expect(matchRestPath('/api/artifacts/:id/download', '/api/artifacts/a%20b/download')).toEqual({ id: 'a b' });
  });

  it('refuses other paths, empty segments and undecodable ones', () => {
    expect(matchRestPath('/api/uploads', '/api/uploads/x')).toBeNull();
    expect(matchRestPath('/api/artifacts/:id/download', '/api/artifacts//download')).toBeNull();
    expect(matchRestPath('/api/artifacts/:id/download', '/api/artifacts/x/upload')).toBeNull();
    expect(matchRestPath('/api/artifacts/:id/download', '/api/artifacts/%E0%A4%A/download')).toBeNull();
  });
});
