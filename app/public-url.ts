import type { VigilConfig } from '../domain/config';

/** How people reach the API (signed links point here): api.publicUrl, else the address it listens on. */
export function publicUrl(config: VigilConfig): string {
  if (config.api.publicUrl) return config.api.publicUrl.replace(/\/+$/, '');
  const host = config.api.host === '0.0.0.0' || config.api.host === '::' ? 'localhost' : config.api.host;
  return `http://${host}:${config.api.port}`;
}
