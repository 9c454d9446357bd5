// The Slack fake lives beside the stack because `vigil demo` uses it too.
export * from '../../cli/stack/loopback-slack';
