import { catalogue } from "../lib/errors.js";

/** Refusals of malware reports, shown by the report form beside its fields and by the JSON API. */
export const reportErrors = catalogue({
  SIGN_IN_REQUIRED: { status: 401, message: "Sign in (or send an API token) to report a project." },
  EMAIL_UNVERIFIED: {
    status: 403,
    message:
      "Verify your email address before reporting a project: reports need an account that can be contacted.",
  },
  CATEGORY_INVALID: {
    status: 400,
    field: "category",
    message: "Choose what is wrong: malware, typosquatting, dependency confusion, spam or other.",
  },
  DESCRIPTION_INVALID: {
    status: 400,
    field: "description",
    message: "Describe what you found in 10 to 2,000 characters (what it does, which file or version).",
  },
  PROJECT_NOT_FOUND: { status: 404, message: "There is no such project to report." },
  ALREADY_QUARANTINED: {
    status: 409,
    message: "This project is already quarantined: the registry's operators are reviewing it. Thank you.",
  },
  ALREADY_REPORTED: {
    status: 409,
    message: "You already reported this project; the operators have not reviewed it yet.",
  },
});
