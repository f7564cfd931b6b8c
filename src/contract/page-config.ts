// The document the api serves the demo page before it connects (GET /config.json). The page
// takes its gateway addresses from here and nowhere else: never from its own URL, which anyone
// can write into a link. No dependencies.

export const PAGE_CONFIG_PATH = '/config.json';

export interface PageConfig {
  /**
   * Base URLs of the gateways browsers may connect to (`https://rt.example.com`; the SockJS
   * endpoint is `<url>/ws`, plain WebSocket `<url>/ws/websocket`), first choice first. Empty:
   * the page's own origin. From PUBLIC_GATEWAY_URLS.
   */
  gatewayUrls: string[];
}
