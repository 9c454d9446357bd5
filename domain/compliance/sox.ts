import type { ComplianceRule } from './rule';
import { isPrivileged, touches, wasDenied } from './rule';

/** SOX section 404 IT general controls over financial data. */
export const soxRules: ComplianceRule[] = [
  {
    id: 'SOX-404-change-approved-ticket',
    regulation: 'sox',
    clause: 'SOX §404 (ITGC change management)',
    severity: 'critical',
    title: 'Changes to financial data need an approved change ticket',
    check(e) {
      if (e.action !== 'change' || !touches(e, 'financial') || wasDenied(e)) return null;
      if (!e.changeTicket) return { message: 'a change to financial data has no change ticket: open a ticket, have it approved, and set changeTicket on the event' };
      if (e.changeTicket.status !== 'approved' || !e.approver) {
        return { message: `change ticket ${e.changeTicket.id} is ${e.changeTicket.status}${e.approver ? '' : ' and has no approver'}: get the ticket approved and record the approver before changing financial data` };
      }
      return null;
    },
  },
  {
    id: 'SOX-404-segregation-of-duties',
    regulation: 'sox',
    clause: 'SOX §404 (segregation of duties)',
    severity: 'critical',
    title: 'Whoever requests or makes a change may not approve it',
    check(e) {
      if (!e.changeTicket || !e.approver) return null;
      if (e.approver === e.changeTicket.requester) return { message: `change ticket ${e.changeTicket.id} was approved by its own requester ${e.approver}: have someone other than the requester approve it` };
      if (e.approver === e.actor.id) return { message: `change ticket ${e.changeTicket.id} was approved by ${e.approver}, who also made the change: have someone other than the implementer approve it` };
      return null;
    },
  },
  {
    id: 'SOX-404-privileged-access-logged',
    regulation: 'sox',
    clause: 'SOX §404 (ITGC access to programs and data)',
    severity: 'high',
    title: 'Privileged access to financial data is logged',
    check(e, ctx) {
      if (!touches(e, 'financial') || !isPrivileged(e, ctx) || e.auditLogId) return null;
      return { message: `privileged ${e.action} on financial data by ${e.actor.id} has no audit log entry: write the action to ${e.system}'s audit log and set auditLogId` };
    },
  },
];
