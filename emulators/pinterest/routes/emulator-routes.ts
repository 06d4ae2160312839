/** Every route the emulator serves, in one table. */

import type { RouteDef } from '../route-table.js';
import { adAccountRoutes } from './ad-account-routes.js';
import { audienceRoutes } from './audience-routes.js';
import { customerListRoutes } from './customer-list-routes.js';
import { oauthRoutes } from './oauth-routes.js';
import { userAccountRoutes } from './user-account-routes.js';

export const emulatorRoutes: readonly RouteDef[] = [
  ...adAccountRoutes,
  ...customerListRoutes,
  ...audienceRoutes,
  ...oauthRoutes,
  ...userAccountRoutes,
];
