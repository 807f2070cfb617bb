/**
 * DESIGN story 1 from the dashboard alone, in headless Chromium: deploy v1 and see its topology,
 * deploy v2 and see step 1/2 at 20% with one canary pod, press Approve and see 90%, press Roll back
 * and see 100% v1 served by the same stable pods. Each stage's page is compared by its ARIA
 * structure (reviewed golden files, volatile names and ages normalised) and saved as a screenshot.
 * The sandbox runs on a fake clock that the dashboard's pacer moves through Kruise's grace periods.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { CHROMIUM_MISSING_REASON, HAS_CHROMIUM, launchBrowser, startStoryDashboard } from "../support/dashboard.js";
import { exampleApp, podsByTag, storySandbox, type StorySandbox } from "../support/story.js";

/** Where the stage screenshots go (`VELA_TS_DASHBOARD_SCREENSHOTS=docs/images` refreshes the README's). */
const SHOTS = process.env.VELA_TS_DASHBOARD_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "vela-ts-dashboard-shots-"));
const TIMEOUT = 20_000;

/** The page's ARIA tree with what changes from run to run (hashes, ages, sample counts) replaced by placeholders. */
function normalise(aria: string): string {
  return aria
    .replace(/demo-app-[a-z0-9]{5}-[a-f0-9]{8,10}-[a-z0-9]{5}/g, "demo-app-<canary>-<hash>-<pod>")
    .replace(/demo-app-[a-z0-9]{5}-[a-f0-9]{8,10}/g, "demo-app-<canary>-<hash>")
    .replace(/demo-app-[a-z0-9]{5}(?=[,"\s:])/g, "demo-app-<canary>")
    .replace(/demo-app-[a-f0-9]{8,10}-[a-z0-9]{5}/g, "demo-app-<hash>-<pod>")
    .replace(/demo-app-[a-f0-9]{8,10}/g, "demo-app-<hash>")
    .replace(/revision [a-f0-9]{8,10}/g, "revision <hash>")
    .replace(/\b[a-f0-9]{10}\b/g, "<hash>")
    .replace(/\b\d+[smhd]( \d+[smhd])?( ago)?/g, "<age>")
    .replace(/\d+(\.\d)?% \(\d+\)/g, "<share>")
    .replace(/\b\d+ sample requests/g, "<n> sample requests");
}

/** Saves the stage's screenshot and compares its ARIA structure with the reviewed golden file. */
async function stage(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`) });
  await expect(normalise(await page.locator("main").ariaSnapshot())).toMatchFileSnapshot(
    `golden/story/${name}.aria.yml`,
  );
}

async function waitForText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: TIMEOUT });
}

/** Opens a tab by its name, by keyboard where the tablist has focus. */
async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole("tab", { name }).click();
  await page.getByRole("tabpanel", { name }).waitFor({ timeout: TIMEOUT });
}

function fact(page: Page, term: string): Locator {
  return page
    .locator(".canary-facts div")
    .filter({ has: page.locator("dt", { hasText: term }) })
    .locator("dd");
}

async function podNames(page: Page, side: "Stable" | "Canary"): Promise<string[]> {
  const rows = page.getByRole("table", { name: `${side} pods` }).locator("tbody th");
  return (await rows.allInnerTexts()).sort();
}

async function deployFromEditor(page: Page, file: string): Promise<void> {
  await page.getByRole("button", { name: "Deploy" }).first().click();
  const editor = page.getByRole("textbox", { name: /Application YAML/ });
  await editor.waitFor({ timeout: TIMEOUT });
  await editor.fill(readFileSync(exampleApp(file), "utf8"));
  await page.getByRole("dialog").getByRole("button", { name: "Deploy" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached", timeout: TIMEOUT });
}

describe.skipIf(!HAS_CHROMIUM)(
  `dashboard canary story in Chromium ${HAS_CHROMIUM ? "" : `(skipped: ${CHROMIUM_MISSING_REASON})`}`,
  () => {
    let story: StorySandbox;
    let dashboard: RunningDashboard;
    let context: BrowserContext;
    let page: Page;
    let stablePods: string[] = [];
    const errors: string[] = [];

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      story = await storySandbox();
      dashboard = await startStoryDashboard(story);
      ({ context, page } = await launchBrowser());
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      await page.goto(dashboard.url);
      process.stderr.write(`dashboard story screenshots: ${SHOTS}\n`);
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      await dashboard?.close();
    });

    it("starts empty, and Deploy releases v1 from the editor", async () => {
      await page.getByRole("heading", { name: "Applications", level: 1 }).waitFor({ timeout: TIMEOUT });
      await waitForText(page.locator("main"), "No applications yet");
      expect(page.url()).toBe(`${dashboard.origin}/`);
      await deployFromEditor(page, "demo-app-v1.yaml");
      await page.waitForURL(/#\/apps\/default\/demo-app/, { timeout: TIMEOUT });
      await waitForText(page.locator(".facts dd"), "running");
      await stage(page, "1-v1-canary");
    });

    it("v1: the topology shows the Application, its chart and 5 ready stable pods", async () => {
      await waitForText(page.getByRole("heading", { level: 3 }), /Stable pods\s*5\/5 ready/);
      stablePods = await podNames(page, "Stable");
      expect(stablePods).toHaveLength(5);
      expect(
        podsByTag(await story.pods())
          .v1?.map((pod) => pod.name)
          .sort(),
      ).toEqual(stablePods);
      await openTab(page, "Topology");
      const tree = page.getByRole("tree", { name: "Resource topology" });
      await tree.getByRole("treeitem", { name: /^Application demo-app, healthy/ }).waitFor({ timeout: TIMEOUT });
      expect(await tree.getByRole("treeitem", { name: /^Pod demo-app-.*healthy, Running, ready/ }).count()).toBe(5);
      expect(await tree.getByRole("treeitem", { name: /canary/ }).count()).toBe(0);
      await stage(page, "2-v1-topology");
    });

    it("the topology is a keyboard tree: arrows move, Enter shows the resource", async () => {
      const tree = page.getByRole("tree", { name: "Resource topology" });
      await tree.getByRole("treeitem", { name: /^Application demo-app/ }).focus();
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("Enter");
      const details = page.getByRole("complementary", { name: "Selected resource" });
      await waitForText(details, "Component demo-app");
      const component = tree.getByRole("treeitem", { name: /^Component demo-app/ });
      const application = tree.getByRole("treeitem", { name: /^Application demo-app/ });
      await page.keyboard.press("ArrowLeft");
      expect(await component.getAttribute("aria-expanded")).toBe("false");
      await page.keyboard.press("ArrowLeft");
      expect(
        await page.evaluate(() =>
          (
            globalThis as { document?: { activeElement?: { getAttribute(name: string): string | null } } }
          ).document?.activeElement?.getAttribute("data-node"),
        ),
      ).toBe("Application/default/demo-app");
      await page.keyboard.press("ArrowLeft");
      expect(await application.getAttribute("aria-expanded")).toBe("false");
      expect(await tree.getByRole("treeitem").count()).toBe(1);
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("ArrowRight");
      expect(await component.getAttribute("aria-expanded")).toBe("true");
      expect(await tree.getByRole("treeitem", { name: /^Pod / }).count()).toBe(5);
    });

    it("Deploy v2: step 1/2 at 20% with 1 canary pod, the 5 stable pods unchanged, Approve offered", async () => {
      await deployFromEditor(page, "demo-app-v2.yaml");
      await openTab(page, "Canary");
      await waitForText(fact(page, "Step"), "1/2");
      await waitForText(fact(page, "State"), "StepPaused");
      expect(await fact(page, "Canary weight").innerText()).toBe("20%");
      await waitForText(page.getByRole("heading", { level: 3 }), /Canary pods\s*1\/1 ready/);
      expect(await podNames(page, "Canary")).toHaveLength(1);
      expect(await podNames(page, "Stable")).toEqual(stablePods);
      const current = page.locator(".step-list li[aria-current='step']");
      expect(await current.innerText()).toMatch(/Step 1[\s\S]*20% of traffic/);
      const approve = page.getByRole("button", { name: "Approve" });
      expect(await approve.getAttribute("aria-disabled")).toBe("false");
      const traffic = await page.locator(".traffic-legend").innerText();
      expect(traffic).toMatch(/canary: ghcr\.io\/vela-ts\/demo-app:v2/);
      await stage(page, "3-v2-step1");
    });

    it("the workflow tab shows the step waiting on the canary; the tabs move with the arrow keys", async () => {
      await openTab(page, "Workflow");
      const timeline = page.getByRole("tabpanel", { name: "Workflow" });
      await waitForText(timeline.locator(".timeline-step"), /running\s+demo-app\s+apply-component/);
      expect(await timeline.locator(".timeline-message").first().innerText()).toContain("step(1/2)");
      expect(await timeline.getByText("not healthy yet").count()).toBeGreaterThan(0);
      await stage(page, "3b-v2-workflow");
      await page.getByRole("tab", { name: "Workflow" }).focus();
      await page.keyboard.press("ArrowLeft");
      await page.keyboard.press("ArrowLeft");
      await page.getByRole("tabpanel", { name: "Canary" }).waitFor({ timeout: TIMEOUT });
      expect(await page.getByRole("tab", { name: "Canary" }).getAttribute("aria-selected")).toBe("true");
    });

    it("Approve (by keyboard, with its confirmation): step 2/2 at 90%", async () => {
      await page.getByRole("button", { name: "Approve" }).focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Approve demo-app?" });
      await dialog.waitFor({ timeout: TIMEOUT });
      expect(await dialog.innerText()).toContain("vela-ts workflow resume demo-app");
      await dialog.getByRole("button", { name: "Approve" }).focus();
      await page.keyboard.press("Enter");
      await waitForText(page.getByRole("status"), "Approve: done.");
      await waitForText(fact(page, "Step"), "2/2");
      await waitForText(fact(page, "State"), "StepPaused");
      expect(await fact(page, "Canary weight").innerText()).toBe("90%");
      expect(await podNames(page, "Stable")).toEqual(stablePods);
      await stage(page, "4-v2-step2");
    });

    it("Roll back (suspending first, as its confirmation says): 100% v1 on the same stable pods", async () => {
      await page.getByRole("button", { name: "Roll back" }).click();
      const dialog = page.getByRole("dialog", { name: "Roll back demo-app?" });
      await dialog.waitFor({ timeout: TIMEOUT });
      expect(await dialog.innerText()).toMatch(/suspended first, then rolled back to demo-app-v1/);
      expect(await dialog.getByRole("combobox").inputValue()).toBe("1");
      await dialog.getByRole("button", { name: "Roll back" }).click();
      await waitForText(page.getByRole("status"), "Roll back: done.");
      await waitForText(page.locator(".facts dd"), "demo-app-v1");
      await waitForText(fact(page, "State"), "no release in progress");
      await waitForText(page.locator(".facts dd"), /^running$/);
      await waitForText(page.getByRole("heading", { level: 3 }), /Canary pods\s*0\/0 ready/);
      expect(await podNames(page, "Stable")).toEqual(stablePods);
      expect(await fact(page, "Canary weight").innerText()).toBe("0%");
      const traffic = await page.locator(".traffic-legend").innerText();
      expect(traffic).toMatch(/stable: ghcr\.io\/vela-ts\/demo-app:v1 — 100%/);
      expect(traffic).not.toMatch(/v2/);
      const pods = podsByTag(await story.pods());
      expect(Object.keys(pods)).toEqual(["v1"]);
      expect(pods.v1?.map((pod) => pod.name).sort()).toEqual(stablePods);
      await stage(page, "5-rolled-back");
    });

    it("the revisions tab lists both revisions and diffs them", async () => {
      await openTab(page, "Revisions");
      await page.getByRole("button", { name: "Diff with demo-app-v1" }).click();
      const diff = page.getByLabel("Changes from demo-app-v1 to demo-app-v2");
      await diff.waitFor({ timeout: TIMEOUT });
      expect(await diff.innerText()).toMatch(/-\s+version: 1\.0\.0[\s\S]*\+\s+version: 2\.0\.0/);
    });

    it("the page logged no errors", () => {
      expect(errors).toEqual([]);
    });
  },
);
