import type { BlockAction } from '@slack/bolt';
import type { Pool } from 'pg';
import { userBySlackId } from '../../db/auth/users';
import { hasScope, scopesOfRoles } from '../../domain/auth/scopes';
import { serviceRefusal, type TeamsConfig } from '../../domain/auth/teams';
import { sanitizeLine } from '../../domain/text';
import type { SlackIdentity } from '../../slack';
import { slackActor } from '../../slack/reply';

/**
 * A Slack click acts as the Vigil user linked to that Slack account (users.slack_user_id), with that
 * user's roles: a viewer's click is refused like a viewer's API call. An unlinked account is told to
 * ask an admin, or — with auth.slackUnmapped: allow — acts under its Slack name as before.
 */
export function createSlackIdentify(
  pool: Pool,
  unmapped: 'refuse' | 'allow',
  teams: { config: TeamsConfig; serviceOf: (workflowId: string) => Promise<string> } = { config: {}, serviceOf: async () => '' },
): (user: BlockAction['user'], workflowIds: readonly string[]) => Promise<SlackIdentity> {
  return async (user, workflowIds) => {
    const linked = await userBySlackId(pool, user.id);
    if (linked) {
      if (!hasScope(scopesOfRoles(linked.roles), 'incidents:write')) {
        return { refusal: `${linked.name} may look but not act on incidents (roles: ${linked.roles.join(', ') || 'none'}). Ask an admin for the responder role.` };
      }
      // Limited to teams: every incident the button names must be theirs (none is touched otherwise).
      if (linked.teams.length > 0) {
        for (const id of workflowIds) {
          const why = serviceRefusal(linked.name, linked.teams, await teams.serviceOf(id).catch(() => ''), teams.config);
          if (why) return { refusal: why };
        }
      }
      return { actor: linked.name };
    }
    if (unmapped === 'allow') return { actor: slackActor(user) };
    return {
      refusal:
        'Your Slack account is not linked to a Vigil user, so this click would act as nobody. ' +
        `Ask an admin to link it: \`vigil users add <your name> --role responder --slack-id ${sanitizeLine(user.id.slice(0, 40))}\``,
    };
  };
}
