// Channel kinds → senders, and how a channel is named in the timeline.
import type { ChannelType } from '../../schema/types.js';
import { discord } from './discord.js';
import { email } from './email.js';
import type { Notifier } from './message.js';
import { pagerduty } from './pagerduty.js';
import { slack } from './slack.js';
import { webhook } from './webhook.js';

export const notifiers: Record<ChannelType, Notifier> = { webhook, slack, discord, pagerduty, email };

/** "#ops-alerts" for a Slack channel that says where it posts, else the channel's name. */
export function channelLabel(name: string, type: string | null, settings: Record<string, string | string[]> | null): string {
  const slackChannel = type === 'slack' && typeof settings?.channel === 'string' ? settings.channel : null;
  return slackChannel ? (slackChannel.startsWith('#') ? slackChannel : `#${slackChannel}`) : name;
}
