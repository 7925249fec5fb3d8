/** The vocabulary of the demo data (seed.ts): names, companies and ticket texts the generated rows pick from. */

export const COMPANIES = ['Acme', 'Northwind', 'Contoso', 'Fabrikam', 'Globex', 'Initech', 'Umbrella', 'Tyrell', 'Wayne',
  'Stark', 'Cyberdyne', 'Hooli', 'Vandelay', 'Wonka', 'Aperture', 'Soylent', 'Oceanic', 'Massive', 'Gringotts',
  'Dunder', 'Monarch', 'Pinnacle', 'Summit', 'Harbor', 'Redwood', 'Keystone', 'Bluebird', 'Ironclad', 'Lakeside',
  'Meridian', 'Evergreen', 'Granite', 'Silverline', 'Copperfield', 'Brightway', 'Northstar', 'Riverbend', 'Oakridge'];
export const INDUSTRIES = ['Dental', 'Legal', 'Logistics', 'Manufacturing', 'Accounting', 'Realty', 'Foods', 'Health',
  'Engineering', 'Consulting', 'Insurance', 'Architects', 'Veterinary', 'Construction', 'Marketing', 'Pharmacy',
  'Credit Union', 'Schools', 'Hospitality', 'Energy', 'Printing', 'Auto Group', 'Labs', 'Freight'];
export const COMPANY_FORMS = ['LLC', 'Inc', 'Group', 'Ltd', 'Partners', 'Co'];
export const FIRST_NAMES = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David',
  'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen',
  'Daniel', 'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Sandra', 'Mark', 'Ashley', 'Priya', 'Emily', 'Wei', 'Fatima',
  'Kevin', 'Olga', 'Hiroshi', 'Amara', 'Luis', 'Ingrid', 'Omar', 'Chloe'];
export const LAST_NAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
  'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Patel', 'Nguyen',
  'Kim', 'Chen', 'Okafor', 'Schmidt', 'Rossi', 'Novak', 'Larsen', 'Tanaka'];
export const TICKET_SUBJECTS = ['Outlook keeps asking for password', 'VPN drops every few minutes', 'Printer offline',
  'New hire laptop setup', 'Laptop battery swelling', 'Cannot open shared drive', 'Teams audio not working',
  'Password reset', 'Monitor flickering', 'Install request: Adobe Acrobat', 'Phishing email reported',
  'Wi-Fi slow in conference room', 'Blue screen after update', 'MFA phone replaced', 'Offboarding: disable accounts'];
export const TICKET_NOTES = ['Called user, left voicemail.', 'Remote session via ScreenConnect, fixed.',
  'Waiting on vendor RMA.', 'Resolved after reboot.', 'Escalated to tier 2.', 'Reimaged device from PDQ.'];
