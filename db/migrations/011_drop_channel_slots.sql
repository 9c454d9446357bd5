-- Rate limits now live in each channel's ChannelDispatcher workflow (one ordered, durable queue per
-- channel and task queue), which every worker shares through Temporal; the Postgres slot table that
-- made a send wait inside its activity (and lose its page when the wait outgrew the activity) is gone.
DROP TABLE IF EXISTS channel_slots;
