// A new customer added by hand (a seller or a manager); then their page.
import { useTranslation } from "react-i18next";
import { Link, Navigate, useNavigate } from "react-router";
import { useAuth } from "../../auth/auth";
import { ApiErrorMessage } from "../../ui/api-error";
import { CustomerForm } from "./customer-form";
import { useCreateCustomer } from "./customers.queries";

export default function CustomerCreatePage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const create = useCreateCustomer();
  if (!can("customers:write")) return <Navigate to="/customers" replace />;
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to="/customers">← {t("customers.title")}</Link>
      </p>
      <h1 id="page-title">{t("customers.newTitle")}</h1>
      <CustomerForm
        submitLabel={t("customers.create")}
        pending={create.isPending}
        onSubmit={({ phone, whatsappId, ...draft }) =>
          create.mutate({ ...draft, ...(phone ? { phone } : {}), ...(whatsappId ? { whatsappId } : {}) }, { onSuccess: (customer) => void navigate(`/customers/${customer.id}`) })
        }
      >
        <ApiErrorMessage error={create.error} />
      </CustomerForm>
    </section>
  );
}
