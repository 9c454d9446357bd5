import type { ComplianceRule } from './rule';
import { PROMPT_ACTIONS, hasAnyRole, isPrivileged, missingEncryption, sensitiveCategories, touches, wasDenied } from './rule';

/** ISO/IEC 27001:2022 Annex A controls that one event can show. */
export const iso27001Rules: ComplianceRule[] = [
  {
    id: 'ISO27001-A5.15-access-control',
    regulation: 'iso27001',
    clause: 'ISO/IEC 27001:2022 A.5.15, A.8.3',
    severity: 'high',
    title: 'Access is granted by role',
    check(e, ctx) {
      if (wasDenied(e)) return null;
      if (e.actor.roles.length === 0) return { message: `actor ${e.actor.id} acted in ${e.system} with no role: assign roles and grant access through them, not to individuals` };
      const allowed = ctx.systemRoles[e.system];
      if (allowed && !hasAnyRole(e, allowed)) {
        return { message: `actor ${e.actor.id} (roles: ${e.actor.roles.join(', ')}) used ${e.system}, which allows only ${allowed.join(', ')}: deny the access, or add the role to compliance.systemRoles.${e.system}` };
      }
      return null;
    },
  },
  {
    id: 'ISO27001-A8.24-encryption',
    regulation: 'iso27001',
    clause: 'ISO/IEC 27001:2022 A.8.24',
    severity: 'high',
    title: 'Sensitive data is encrypted in transit and at rest',
    check(e) {
      const sensitive = sensitiveCategories(e);
      if (sensitive.length === 0) return null;
      const missing = missingEncryption(e);
      return missing ? { message: `${sensitive.join(', ')} data in ${e.system} is not encrypted ${missing}: enable encryption and report encryption.inTransit and encryption.atRest as true` } : null;
    },
  },
  {
    id: 'ISO27001-A5.17-no-credentials-in-prompts',
    regulation: 'iso27001',
    clause: 'ISO/IEC 27001:2022 A.5.17, A.8.12',
    severity: 'critical',
    title: 'Credentials never appear in prompts, retrieved context or answers',
    check(e) {
      if (!touches(e, 'credentials') || !PROMPT_ACTIONS.includes(e.action)) return null;
      return { message: `credentials reached a ${e.action} in ${e.system}: rotate the exposed credentials, remove them from the indexed documents, and add a secret filter before prompts and answers` };
    },
  },
  {
    id: 'ISO27001-A8.15-privileged-actions-logged',
    regulation: 'iso27001',
    clause: 'ISO/IEC 27001:2022 A.8.15, A.8.2',
    severity: 'medium',
    title: 'Privileged actions are logged',
    check(e, ctx) {
      if (!isPrivileged(e, ctx) || e.auditLogId) return null;
      return { message: `privileged ${e.action} by ${e.actor.id} in ${e.system} has no audit log entry: write it to the audit log and set auditLogId` };
    },
  },
];
