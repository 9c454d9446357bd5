import { describe, expect, it } from 'vitest';
import { serviceRefusal, silenceRefusal, teamsConfigSchema } from '../../domain/auth/teams';
import { parseMatcher } from '../../domain/matchers';

const teams = teamsConfigSchema.parse({ search: { services: ['search-rag', 'rerank'] }, checkout: { services: ['checkout-rag'] } });

describe('team limits', () => {
  it('a user without teams may touch every service', () => {
    expect(serviceRefusal('root', [], 'checkout-rag', teams)).toBeNull();
    expect(silenceRefusal('root', [], [], teams)).toBeNull();
  });
  it("a team member acts on their team's services only", () => {
    expect(serviceRefusal('sam', ['search'], 'rerank', teams)).toBeNull();
    expect(serviceRefusal('sam', ['search'], 'checkout-rag', teams)).toMatch(/may not act on incidents of "checkout-rag"/);
    expect(serviceRefusal('sam', ['search', 'checkout'], 'checkout-rag', teams)).toBeNull();
  });
  it('a silence must pin service with = to one of their services', () => {
    const m = (...s: string[]) => s.map(parseMatcher);
    expect(silenceRefusal('sam', ['search'], m('service="search-rag"', 'severity="low"'), teams)).toBeNull();
    expect(silenceRefusal('sam', ['search'], m('severity="low"'), teams)).toMatch(/may only silence their own services/);
    expect(silenceRefusal('sam', ['search'], m('service=~".*"'), teams)).toMatch(/may only silence their own services/);
    expect(silenceRefusal('sam', ['search'], m('service="checkout-rag"'), teams)).toMatch(/may not silence "checkout-rag"/);
    expect(silenceRefusal('sam', ['search'], m('service="search-rag"', 'service="checkout-rag"'), teams)).toMatch(/checkout-rag/);
  });
  it('an unknown team owns nothing', () => {
    expect(serviceRefusal('sam', ['ghosts'], 'search-rag', teams)).toMatch(/may not act/);
  });
});
