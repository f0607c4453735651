/**
 * Builds the handbook's binary files from the text below:
 *   travel-and-expense-policy.pdf, remote-work-agreement.docx, holidays-and-offices-2026.xlsx.
 * Run from the repository root with `npx tsx examples/handbook/build-sample-files.ts`; the generated files
 * are committed, so only run it after changing the content here.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';

const here = dirname(fileURLToPath(import.meta.url));
const EFFECTIVE = new Date(Date.UTC(2026, 0, 1));

interface PolicySection {
  heading: string;
  paragraphs: string[];
}

const TRAVEL_POLICY: PolicySection[] = [
  {
    heading: '1. Purpose and scope',
    paragraphs: [
      'This policy sets out how Northwind Labs employees plan business travel and claim back money they spend ' +
        'on the company’s behalf. It applies to all employees in every office and to contractors whose agreements ' +
        'refer to it. Version 3.2, effective January 1, 2026; it replaces version 3.1.',
      'Spend company money as you would spend your own: choose the reasonable option rather than the most ' +
        'comfortable one, and rather than the cheapest one at any cost to your time or safety.',
    ],
  },
  {
    heading: '2. Before you travel',
    paragraphs: [
      'Every business trip needs your manager’s approval before anything is booked. International trips also need ' +
        'approval from your department head. Request approval in the expense tool with the purpose, dates and an ' +
        'estimate of the cost.',
      'Book flights, trains, rental cars and hotels through the travel desk (travel@northwind.example) or the ' +
        'booking tool. Bookings made elsewhere are reimbursed only when they were cheaper than the options the ' +
        'booking tool offered on the same day. Booking through the travel desk also means we can reach you if ' +
        'something goes wrong during your trip.',
    ],
  },
  {
    heading: '3. Transportation',
    paragraphs: [
      'Flights: economy class for flights under six hours; premium economy for flights of six hours or more. ' +
        'Book at least 14 days ahead where you can. One checked bag is reimbursed on any trip longer than two nights.',
      'Trains: for journeys under four hours, take the train instead of flying. Standard class is the default; ' +
        'first class is allowed when it costs less than 20% more than standard class.',
      'Rental cars and mileage: rent a compact or mid-size car when public transport is impractical. When you ' +
        'drive your own car, mileage is reimbursed at the standard rate published by the tax authority of your ' +
        'country. Parking at the airport is reimbursed for up to five days.',
      'Taxis and ride-hailing are reimbursed between airports, stations, hotels and work locations, and after ' +
        '21:00 for any work-related journey.',
    ],
  },
  {
    heading: '4. Lodging',
    paragraphs: [
      'Nightly hotel limits, before taxes: Portland USD 220; Toronto CAD 290; Lisbon EUR 180; New York, San ' +
        'Francisco and London USD 300; all other cities USD 170 (or the local equivalent). When a conference hotel ' +
        'costs more than the limit, your manager may approve the difference in advance.',
      'Stays of more than seven nights in one place should be booked as serviced apartments when that is cheaper. ' +
        'Staying with friends or family is welcome; we do not pay a nightly allowance for it, but we reimburse a ' +
        'thank-you gift of up to USD 50 per trip.',
    ],
  },
  {
    heading: '5. Meals and per diem',
    paragraphs: [
      'Meals while travelling are covered by a daily per diem: USD 75 in the United States, CAD 100 in Canada and ' +
        'EUR 60 in Europe. On the days you depart and return, the per diem is 75% of the full rate. No receipts ' +
        'are needed for meals covered by the per diem.',
      'Meals provided by a conference, a customer or a flight are deducted from the per diem at 25% of the rate ' +
        'each for breakfast, lunch and dinner.',
      'Client meals are reimbursed at actual cost with receipts and the names of the guests. Alcohol is reimbursed ' +
        'only at client dinners approved by a director.',
    ],
  },
  {
    heading: '6. Expenses we do not reimburse',
    paragraphs: [
      'Personal entertainment, minibar items, laundry on trips shorter than five nights, traffic and parking ' +
        'fines, upgrades chosen for comfort, travel insurance (Northwind’s business travel insurance already ' +
        'covers you) and costs for people travelling with you.',
    ],
  },
  {
    heading: '7. Claiming expenses',
    paragraphs: [
      'Submit claims in the expense tool within 30 days of the expense. Attach an itemised receipt for every ' +
        'expense over USD 25 (or the local equivalent). Your manager approves the claim, and finance reviews ' +
        'claims over USD 1,000. Approved claims are paid with the next payroll.',
      'Claims submitted more than 90 days after the expense are not reimbursed. Lost receipts can be replaced by ' +
        'a signed statement in the expense tool, no more than twice a year.',
    ],
  },
  {
    heading: '8. Corporate cards',
    paragraphs: [
      'Employees who travel more than four times a year may apply for a corporate card. Card holders reconcile ' +
        'their statement in the expense tool by the 10th of each month. The card is for business expenses only; ' +
        'a personal charge made by mistake must be repaid within 30 days.',
      'Questions about this policy go to finance@northwind.example. Questions about a booking go to the travel desk.',
    ],
  },
];

async function buildTravelPolicyPdf(): Promise<Uint8Array> {
  const document = new PDFDocument({
    size: 'LETTER',
    margins: { top: 72, bottom: 72, left: 72, right: 72 },
    bufferPages: true,
    info: {
      Title: 'Travel and expense policy',
      Author: 'Northwind Labs Finance',
      Subject: 'Business travel, lodging, meals and expense claims',
      CreationDate: EFFECTIVE,
    },
  });
  const parts: Buffer[] = [];
  document.on('data', (part: Buffer) => parts.push(part));
  const finished = new Promise<void>((resolve) => document.on('end', () => resolve()));

  document.font('Helvetica-Bold').fontSize(20).text('Travel and expense policy');
  document
    .font('Helvetica')
    .fontSize(10)
    .fillColor('#555555')
    .text('Northwind Labs · Version 3.2 · Effective January 1, 2026');
  document.fillColor('#000000').moveDown(1.5);
  for (const section of TRAVEL_POLICY) {
    if (section.heading.startsWith('5.')) document.addPage();
    document.font('Helvetica-Bold').fontSize(13).text(section.heading).moveDown(0.4);
    for (const paragraph of section.paragraphs) {
      document.font('Helvetica').fontSize(11).text(paragraph, { align: 'left', lineGap: 2 }).moveDown(0.8);
    }
    document.moveDown(0.4);
  }

  const pages = document.bufferedPageRange();
  for (let index = 0; index < pages.count; index++) {
    document.switchToPage(pages.start + index);
    document.page.margins.bottom = 0;
    document
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#777777')
      .text(`Northwind Labs · Travel and expense policy · Page ${index + 1} of ${pages.count}`, 72, 750, {
        width: 468,
        align: 'center',
        lineBreak: false,
      });
  }
  document.end();
  await finished;
  return new Uint8Array(Buffer.concat(parts));
}

type AgreementBlock = { heading: string } | { text: string } | { bullet: string };

const REMOTE_AGREEMENT: AgreementBlock[] = [
  {
    text:
      'This agreement is between Northwind Labs (“Northwind”) and the employee named below. It sets out the terms ' +
      'on which the employee works remotely and forms part of the employment contract. Where it is silent, the ' +
      'employee handbook applies.',
  },
  { heading: 'Work location' },
  {
    text:
      'The employee works from the home address recorded in PeopleHub. A change of home address within the same ' +
      'country must be recorded in PeopleHub at least two weeks before the move. Working from another country is ' +
      'limited to 30 days per calendar year and needs the approval of the manager and the People team.',
  },
  { heading: 'Working hours and availability' },
  {
    text:
      'The employee is available for meetings and messages during core hours, 10:00 to 15:00 in the team’s home ' +
      'time zone, and otherwise organises the working day with the team. Working time is recorded where local law ' +
      'requires it.',
  },
  { heading: 'Equipment and allowances' },
  { text: 'Northwind provides and remains the owner of:' },
  { bullet: 'a laptop, a monitor, a keyboard, a mouse and a headset;' },
  { bullet: 'a hardware security key for multi-factor authentication.' },
  {
    text:
      'Northwind pays a one-time home office allowance of USD 500 (CAD 650 or EUR 460) and a monthly internet ' +
      'allowance of USD 40 (CAD 55 or EUR 37) with the salary.',
  },
  { heading: 'Health and safety' },
  {
    text:
      'The employee keeps a workspace with a suitable desk, chair and lighting, and completes the home workspace ' +
      'self-assessment within the first month. Northwind’s occupational health advice is available on request.',
  },
  { heading: 'Data protection and security' },
  {
    text:
      'The employee follows the IT and security policy: work only on Northwind-managed devices, connect through ' +
      'the company VPN on networks Northwind does not control, lock the screen when away, and keep Restricted ' +
      'data in approved systems. Family members and visitors must not use work devices.',
  },
  { heading: 'Expenses' },
  {
    text:
      'Travel to an office or to meet customers is reimbursed under the Travel and expense policy. The cost of ' +
      'commuting to the office the employee’s contract names is not reimbursed.',
  },
  { heading: 'Ending the arrangement' },
  {
    text:
      'Either party may end this arrangement with 30 days’ written notice, unless the role was hired as fully ' +
      'remote. When employment ends, the employee returns all equipment within 10 business days using the prepaid ' +
      'box sent by IT.',
  },
  { heading: 'Signatures' },
  { text: 'Employee name: ______________________   Signature: ______________________   Date: __________' },
  {
    text: 'For Northwind Labs: ______________________   Signature: ______________________   Date: __________',
  },
];

async function buildRemoteAgreementDocx(): Promise<Uint8Array> {
  const children = [
    new Paragraph({ text: 'Remote work agreement', heading: HeadingLevel.TITLE }),
    new Paragraph({
      alignment: AlignmentType.LEFT,
      children: [
        new TextRun({ text: 'Northwind Labs · People team · Template version 2026.1', italics: true }),
      ],
    }),
    ...REMOTE_AGREEMENT.map((block) => {
      if ('heading' in block) return new Paragraph({ text: block.heading, heading: HeadingLevel.HEADING_1 });
      if ('bullet' in block) return new Paragraph({ text: block.bullet, bullet: { level: 0 } });
      return new Paragraph({ text: block.text });
    }),
  ];
  const document = new Document({
    title: 'Remote work agreement',
    creator: 'Northwind Labs People team',
    description: 'Terms for employees who work remotely',
    sections: [{ children }],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}

const ALL = 'All offices';
const HOLIDAYS: Array<[month: number, day: number, name: string, offices: string, note?: string]> = [
  [1, 1, "New Year's Day", ALL],
  [1, 19, 'Martin Luther King Jr. Day', 'Portland'],
  [2, 16, 'Family Day', 'Toronto'],
  [2, 16, "Presidents' Day", 'Portland'],
  [2, 17, 'Carnival', 'Lisbon', 'Observed by Northwind; not a statutory holiday'],
  [4, 3, 'Good Friday', 'Toronto, Lisbon'],
  [4, 25, 'Freedom Day', 'Lisbon', 'Falls on a Saturday; no replacement day'],
  [5, 1, 'Labour Day', 'Lisbon'],
  [5, 18, 'Victoria Day', 'Toronto'],
  [5, 25, 'Memorial Day', 'Portland'],
  [6, 4, 'Corpus Christi', 'Lisbon'],
  [6, 10, 'Portugal Day', 'Lisbon'],
  [6, 19, 'Juneteenth', 'Portland'],
  [7, 1, 'Canada Day', 'Toronto'],
  [7, 3, 'Independence Day (observed)', 'Portland', 'July 4 falls on a Saturday'],
  [8, 3, 'Civic Holiday', 'Toronto'],
  [8, 14, 'Recharge Day', ALL, 'Company-wide day off'],
  [9, 7, 'Labor Day / Labour Day', 'Portland, Toronto'],
  [9, 30, 'National Day for Truth and Reconciliation', 'Toronto'],
  [10, 5, 'Republic Day', 'Lisbon'],
  [10, 12, 'Thanksgiving', 'Toronto'],
  [11, 26, 'Thanksgiving', 'Portland'],
  [11, 27, 'Day after Thanksgiving', 'Portland'],
  [12, 1, 'Restoration of Independence', 'Lisbon'],
  [12, 8, 'Immaculate Conception', 'Lisbon'],
  [12, 25, 'Christmas Day', ALL],
  [12, 28, 'Boxing Day (observed)', 'Toronto', 'December 26 falls on a Saturday'],
  [12, 31, 'Year-end closure', ALL, 'Company-wide day off'],
];

const OFFICES = [
  {
    office: 'Portland (HQ)',
    city: 'Portland, Oregon',
    country: 'United States',
    address: '1120 NW Marlow Street, Suite 400, Portland, OR 97209',
    timeZone: 'America/Los_Angeles',
    manager: 'Dana Whitfield',
    email: 'portland-office@northwind.example',
    desks: 120,
    anchorDays: 'Tuesday, Wednesday',
  },
  {
    office: 'Toronto',
    city: 'Toronto, Ontario',
    country: 'Canada',
    address: '88 Garnet Avenue, 6th floor, Toronto, ON M5V 2L4',
    timeZone: 'America/Toronto',
    manager: 'Priya Raman',
    email: 'toronto-office@northwind.example',
    desks: 45,
    anchorDays: 'Tuesday, Wednesday',
  },
  {
    office: 'Lisbon',
    city: 'Lisbon',
    country: 'Portugal',
    address: 'Rua das Gaivotas 17, 2º andar, 1200-202 Lisboa',
    timeZone: 'Europe/Lisbon',
    manager: 'Tiago Mendes',
    email: 'lisbon-office@northwind.example',
    desks: 60,
    anchorDays: 'Tuesday, Thursday',
  },
];

async function buildHolidaysWorkbook(): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.title = 'Holidays and office locations 2026';
  workbook.creator = 'Northwind Labs People team';
  workbook.created = EFFECTIVE;
  workbook.modified = EFFECTIVE;

  const holidays = workbook.addWorksheet('Holidays 2026');
  holidays.columns = [
    { header: 'Date', key: 'date', width: 12, style: { numFmt: 'yyyy-mm-dd' } },
    { header: 'Day', key: 'day', width: 11 },
    { header: 'Holiday', key: 'holiday', width: 40 },
    { header: 'Offices', key: 'offices', width: 18 },
    { header: 'Notes', key: 'notes', width: 44 },
  ];
  for (const [month, day, holiday, offices, notes] of HOLIDAYS) {
    const date = new Date(Date.UTC(2026, month - 1, day));
    const weekday = date.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
    holidays.addRow({ date, day: weekday, holiday, offices, notes: notes ?? '' });
  }
  holidays.getRow(1).font = { bold: true };

  const offices = workbook.addWorksheet('Offices');
  offices.columns = [
    { header: 'Office', key: 'office', width: 16 },
    { header: 'City', key: 'city', width: 18 },
    { header: 'Country', key: 'country', width: 14 },
    { header: 'Address', key: 'address', width: 52 },
    { header: 'Time zone', key: 'timeZone', width: 20 },
    { header: 'Office manager', key: 'manager', width: 18 },
    { header: 'Email', key: 'email', width: 34 },
    { header: 'Desks', key: 'desks', width: 8 },
    { header: 'Anchor days', key: 'anchorDays', width: 20 },
  ];
  for (const office of OFFICES) offices.addRow(office);
  offices.getRow(1).font = { bold: true };

  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

async function main(): Promise<void> {
  const outputs: Array<[string, Uint8Array]> = [
    ['travel-and-expense-policy.pdf', await buildTravelPolicyPdf()],
    ['remote-work-agreement.docx', await buildRemoteAgreementDocx()],
    ['holidays-and-offices-2026.xlsx', await buildHolidaysWorkbook()],
  ];
  for (const [name, bytes] of outputs) {
    await writeFile(join(here, name), bytes);
    process.stderr.write(`wrote ${name} (${bytes.length} bytes)\n`);
  }
}

await main();
