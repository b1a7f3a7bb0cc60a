// The app's routes: signed-out pages (login, register) and the signed-in shell with one lazily
// loaded chunk per page, so the first page does not carry the charts or the flow editor.
import { lazy, Suspense, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { useAuth } from "./auth/auth";
import { AppShell, SECTIONS, type Section } from "./shell/app-shell";

const LoginPage = lazy(() => import("./pages/auth/login.page"));
const RegisterPage = lazy(() => import("./pages/auth/register.page"));
const BotsPage = lazy(() => import("./pages/bots/bots.page"));
const BotCreatePage = lazy(() => import("./pages/bots/bot-create.page"));
const BotDetailPage = lazy(() => import("./pages/bots/bot-detail.page"));
const AnalyticsPage = lazy(() => import("./pages/analytics/analytics.page"));
const UsersPage = lazy(() => import("./pages/users/users.page"));
const SettingsPage = lazy(() => import("./pages/settings/settings.page"));
const ConversationsPage = lazy(() => import("./pages/conversations/conversations.page"));
const CataloguePage = lazy(() => import("./pages/catalogue/catalogue.page"));
const CatalogueImportPage = lazy(() => import("./pages/catalogue/catalogue-import.page"));
const ProductPage = lazy(() => import("./pages/catalogue/product.page"));
const FlowsPage = lazy(() => import("./pages/flows/flows.page"));
const FlowPage = lazy(() => import("./pages/flows/flow.page"));
const OrdersPage = lazy(() => import("./pages/orders/orders.page"));
const OrderCreatePage = lazy(() => import("./pages/orders/order-create.page"));
const OrderDetailPage = lazy(() => import("./pages/orders/order-detail.page"));
const CustomersPage = lazy(() => import("./pages/customers/customers.page"));
const CustomerCreatePage = lazy(() => import("./pages/customers/customer-create.page"));
const CustomerDetailPage = lazy(() => import("./pages/customers/customer-detail.page"));
const SellersPage = lazy(() => import("./pages/sellers/sellers.page"));
const SellerCreatePage = lazy(() => import("./pages/sellers/seller-create.page"));
const SellerDetailPage = lazy(() => import("./pages/sellers/seller-detail.page"));
const ComingSoonPage = lazy(() => import("./shell/coming-soon.page"));

/** Sections whose page exists; the others show the coming-soon page. */
const BUILT: ReadonlySet<Section> = new Set(["bots", "analytics", "users", "settings", "conversations", "catalogue", "flows", "orders", "customers", "sellers"]);

function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t("common.loading")}
    </p>
  );
}

function SignedIn({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "starting") return <Loading />;
  if (status === "anonymous") return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

function SignedOut({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "starting") return <Loading />;
  if (status === "signed-in") {
    const from: unknown = location.state;
    const target = typeof from === "object" && from !== null && "from" in from && typeof from.from === "string" && from.from !== "/login" ? from.from : "/bots";
    return <Navigate to={target} replace />;
  }
  return <>{children}</>;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t("notFound.title")}</h1>
    </section>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/login" element={<SignedOut><LoginPage /></SignedOut>} />
          <Route path="/register" element={<SignedOut><RegisterPage /></SignedOut>} />
          <Route element={<SignedIn><AppShell /></SignedIn>}>
            <Route index element={<Navigate to="/bots" replace />} />
            <Route path="/bots" element={<BotsPage />} />
            <Route path="/bots/new" element={<BotCreatePage />} />
            <Route path="/bots/:botId" element={<BotDetailPage />} />
            <Route path="/analytics" element={<AnalyticsPage />} />
            <Route path="/users" element={<UsersPage />} />
            <Route path="/settings" element={<SettingsPage />} />
            <Route path="/conversations" element={<ConversationsPage />} />
            <Route path="/catalogue" element={<CataloguePage />} />
            <Route path="/catalogue/new" element={<ProductPage />} />
            <Route path="/catalogue/import" element={<CatalogueImportPage />} />
            <Route path="/catalogue/:productId" element={<ProductPage />} />
            <Route path="/flows" element={<FlowsPage />} />
            <Route path="/flows/:flowId" element={<FlowPage />} />
            <Route path="/orders" element={<OrdersPage />} />
            <Route path="/orders/new" element={<OrderCreatePage />} />
            <Route path="/orders/:orderId" element={<OrderDetailPage />} />
            <Route path="/customers" element={<CustomersPage />} />
            <Route path="/customers/new" element={<CustomerCreatePage />} />
            <Route path="/customers/:customerId" element={<CustomerDetailPage />} />
            <Route path="/sellers" element={<SellersPage />} />
            <Route path="/sellers/new" element={<SellerCreatePage />} />
            <Route path="/sellers/:sellerId" element={<SellerDetailPage />} />
            {SECTIONS.filter((section) => !BUILT.has(section)).map((section) => (
              <Route key={section} path={`/${section}`} element={<ComingSoonPage section={section} />} />
            ))}
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}
