import type { ComplianceRule } from './rule';
import { hasAnyRole, missingEncryption, touches, wasDenied } from './rule';

/** HIPAA Security and Privacy Rule checks for events touching PHI. */
export const hipaaRules: ComplianceRule[] = [
  {
    id: 'HIPAA-164.312a-phi-authorised-roles',
    regulation: 'hipaa',
    clause: 'HIPAA 45 CFR 164.312(a)(1)',
    severity: 'critical',
    title: 'Only authorised roles access PHI',
    check(e, ctx) {
      if (!touches(e, 'phi') || wasDenied(e)) return null;
      if (hasAnyRole(e, ctx.phiRoles)) return null;
      return { message: `actor ${e.actor.id} (roles: ${e.actor.roles.join(', ') || 'none'}) reached PHI without an authorised role (${ctx.phiRoles.join(', ')}): deny PHI to this role in ${e.system}, or grant the actor an authorised role` };
    },
  },
  {
    id: 'HIPAA-164.502b-minimum-necessary',
    regulation: 'hipaa',
    clause: 'HIPAA 45 CFR 164.502(b), 164.514(d)',
    severity: 'high',
    title: 'PHI use is limited to the minimum necessary',
    check(e, ctx) {
      if (!touches(e, 'phi') || wasDenied(e) || e.recordCount === undefined) return null;
      if (e.recordCount <= ctx.phiMaxRecords) return null;
      return { message: `${e.action} touched ${e.recordCount} PHI records, more than the minimum-necessary limit of ${ctx.phiMaxRecords}: narrow the query or retrieval to the records needed, or raise compliance.phiMaxRecords with a documented justification` };
    },
  },
  {
    id: 'HIPAA-164.312e-phi-encrypted',
    regulation: 'hipaa',
    clause: 'HIPAA 45 CFR 164.312(a)(2)(iv), 164.312(e)(2)(ii)',
    severity: 'critical',
    title: 'PHI is encrypted in transit and at rest',
    check(e) {
      if (!touches(e, 'phi')) return null;
      const missing = missingEncryption(e);
      return missing ? { message: `PHI in ${e.system} is not encrypted ${missing}: enable TLS for transport and storage encryption, then report encryption.inTransit and encryption.atRest as true` } : null;
    },
  },
  {
    id: 'HIPAA-164.528-disclosures-logged',
    regulation: 'hipaa',
    clause: 'HIPAA 45 CFR 164.528',
    severity: 'high',
    title: 'PHI disclosures are logged with recipient and purpose',
    check(e) {
      if (e.action !== 'disclosure' || !touches(e, 'phi') || wasDenied(e)) return null;
      const missing = [!e.recipient && 'recipient', !e.purpose && 'purpose', !e.auditLogId && 'auditLogId'].filter(Boolean);
      return missing.length ? { message: `a PHI disclosure is missing ${missing.join(', ')}: log every disclosure with its recipient, purpose and the audit log entry (needed for the accounting of disclosures)` } : null;
    },
  },
];
