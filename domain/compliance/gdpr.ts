import type { ComplianceRule } from './rule';
import { personalCategories } from './rule';

/** Whether `region` is `allowed` or inside it ("eu" covers "eu-west-1"). */
const inRegion = (region: string, allowed: string) => region === allowed || region.startsWith(`${allowed}-`);

/** GDPR rules that can be judged from one event; erasure deadlines need history (see retrospective.ts). */
export const gdprRules: ComplianceRule[] = [
  {
    id: 'GDPR-6-lawful-basis',
    regulation: 'gdpr',
    clause: 'GDPR Art. 6(1), Art. 7(1)',
    severity: 'high',
    title: 'Personal data needs a lawful basis (and a consent record when the basis is consent)',
    check(e) {
      const personal = personalCategories(e);
      if (personal.length === 0) return null;
      if (!e.lawfulBasis) return { message: `${e.action} of personal data (${personal.join(', ')}) has no lawful basis: set lawfulBasis (consent, contract, legal_obligation, vital_interests, public_task or legitimate_interests)` };
      if (e.lawfulBasis === 'consent' && !e.consentId) return { message: 'the lawful basis is consent but no consent is recorded: set consentId to the consent record, or use another basis' };
      return null;
    },
  },
  {
    id: 'GDPR-5-1b-purpose-limitation',
    regulation: 'gdpr',
    clause: 'GDPR Art. 5(1)(b)',
    severity: 'high',
    title: 'Personal data is processed only for a stated purpose the system is allowed',
    check(e, ctx) {
      if (personalCategories(e).length === 0) return null;
      if (!e.purpose) return { message: `personal data was processed by ${e.system} without a purpose: set purpose to why the data is processed` };
      const allowed = ctx.purposesBySystem[e.system];
      if (allowed && !allowed.includes(e.purpose)) {
        return { message: `purpose "${e.purpose}" is not allowed for system ${e.system} (allowed: ${allowed.join(', ')}): stop this processing, or add the purpose to compliance.purposesBySystem.${e.system} after a compatibility assessment` };
      }
      return null;
    },
  },
  {
    id: 'GDPR-44-data-residency',
    regulation: 'gdpr',
    clause: 'GDPR Art. 44',
    severity: 'critical',
    title: 'Personal data stays in the regions allowed for its category',
    check(e, ctx) {
      const restricted = e.categories.filter((c) => ctx.allowedRegions[c]);
      if (restricted.length === 0) return null;
      if (!e.region) return { message: `${restricted.join(', ')} data was processed without a region: set region so residency can be checked` };
      for (const c of restricted) {
        const allowed = ctx.allowedRegions[c] ?? [];
        if (!allowed.some((a) => inRegion(e.region ?? '', a))) {
          return { message: `${c} data was processed in region ${e.region}, outside the allowed regions (${allowed.join(', ')}): route it to an allowed region, or document a transfer safeguard and add the region to compliance.allowedRegions.${c}` };
        }
      }
      return null;
    },
  },
  {
    id: 'GDPR-5-1e-retention',
    regulation: 'gdpr',
    clause: 'GDPR Art. 5(1)(e)',
    severity: 'medium',
    title: 'Personal data is kept no longer than the retention limit for its category',
    check(e, ctx) {
      if (e.retentionDays === undefined) return null;
      for (const c of personalCategories(e)) {
        const max = ctx.maxRetentionDays[c];
        if (max !== undefined && e.retentionDays > max) {
          return { message: `${c} data is retained for ${e.retentionDays} days, longer than the ${max}-day limit: shorten retentionDays to at most ${max} or delete the data sooner` };
        }
      }
      return null;
    },
  },
  {
    id: 'GDPR-17-erasure-request',
    regulation: 'gdpr',
    clause: 'GDPR Art. 17, Art. 12(3)',
    severity: 'high',
    title: 'Erasure requests are accepted so their deadline is tracked',
    check(e, ctx) {
      // The deadline itself is checked over history by overdueErasures(); here: the request must be accepted and tracked.
      if (e.action === 'erasure_request' && e.outcome !== 'success') {
        return { message: `the erasure request ended with outcome ${e.outcome}, so its ${ctx.erasureDeadlineDays}-day deadline is not tracked: record it again with outcome success, or answer the subject with the Art. 17(3) exemption that applies` };
      }
      return null;
    },
  },
];
