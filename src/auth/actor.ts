/** The authenticated caller, as established by a verified JWT. */
export interface Actor {
  userId: string;
  isAdmin: boolean;
}
