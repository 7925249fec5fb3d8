export type Role = 'admin' | 'technician';

export const ROLES: readonly Role[] = ['admin', 'technician'];

/** Who is making a request, as authentication established it. */
export interface Principal {
  userId: number;
  email: string;
  role: Role;
}
