// The signed-in frame of every page: a skip link, the header (shop, live status, language, user),
// the navigation (a collapsible menu at phone width) and the page in <main>.
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useLocation } from "react-router";
import { useAuth } from "../auth/auth";
import { useLiveStatus } from "../live/live";
import { LanguageSwitch } from "./language-switch";

export const SECTIONS = ["bots", "conversations", "flows", "catalogue", "orders", "customers", "sellers", "analytics", "users", "settings"] as const;
export type Section = (typeof SECTIONS)[number];

export function AppShell({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  const { me, signOut } = useAuth();
  const live = useLiveStatus();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);

  // A new page: close the phone menu and move focus to the page, as a full page load would.
  useEffect(() => {
    setMenuOpen(false);
    main.current?.focus();
  }, [location.pathname]);

  // The tab's title names the section, for screen readers and for a user with many tabs.
  const section = SECTIONS.find((known) => location.pathname === `/${known}` || location.pathname.startsWith(`/${known}/`));
  const shop = me?.tenant.name ?? t("shell.brand");
  const title = section ? `${t(`nav.${section}`)} · ${shop}` : shop;
  useEffect(() => {
    document.title = title;
  }, [title]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t("shell.skip")}
      </a>
      <header className="topbar">
        <button type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="primary-nav" onClick={() => setMenuOpen((open) => !open)}>
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">{t("shell.menu")}</span>
        </button>
        <span className="brand">{shop}</span>
        <span className={`live-status live-${live}`} role="status">
          {t(`live.${live}`)}
        </span>
        <div className="topbar-end">
          <LanguageSwitch />
          <span className="who">
            {me?.email} <span className="role">({t(`roles.${me?.role ?? "viewer"}`)})</span>
          </span>
          <button type="button" className="button secondary" onClick={() => void signOut()}>
            {t("shell.signOut")}
          </button>
        </div>
      </header>
      <div className="frame">
        <nav id="primary-nav" className={menuOpen ? "sidebar open" : "sidebar"} aria-label={t("shell.navigation")}>
          <ul>
            {SECTIONS.map((section) => (
              <li key={section}>
                <NavLink to={`/${section}`}>{t(`nav.${section}`)}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main} tabIndex={-1}>
          {children ?? <Outlet />}
        </main>
      </div>
    </div>
  );
}
