using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pacs.Archive.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "change_feed",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    timestamp = table.Column<long>(type: "INTEGER", nullable: false),
                    action = table.Column<int>(type: "INTEGER", nullable: false),
                    study_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    series_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    sop_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    watermark = table.Column<long>(type: "INTEGER", nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_change_feed", x => x.sequence);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    message_type = table.Column<string>(type: "TEXT", nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    dispatched_at = table.Column<long>(type: "INTEGER", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    last_error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "patients",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_key = table.Column<string>(type: "TEXT", nullable: false),
                    patient_id = table.Column<string>(type: "TEXT", nullable: true),
                    issuer_of_patient_id = table.Column<string>(type: "TEXT", nullable: true),
                    patient_name = table.Column<string>(type: "TEXT", nullable: true),
                    patient_name_fuzzy = table.Column<string>(type: "TEXT", nullable: true),
                    patient_birth_date = table.Column<string>(type: "TEXT", nullable: true),
                    patient_sex = table.Column<string>(type: "TEXT", nullable: true),
                    attributes = table.Column<byte[]>(type: "BLOB", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_patients", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "studies",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    study_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    patient_row_id = table.Column<long>(type: "INTEGER", nullable: false),
                    study_date = table.Column<string>(type: "TEXT", nullable: true),
                    study_time = table.Column<string>(type: "TEXT", nullable: true),
                    study_date_time = table.Column<string>(type: "TEXT", nullable: true),
                    accession_number = table.Column<string>(type: "TEXT", nullable: true),
                    referring_physician_name = table.Column<string>(type: "TEXT", nullable: true),
                    referring_physician_name_fuzzy = table.Column<string>(type: "TEXT", nullable: true),
                    study_id = table.Column<string>(type: "TEXT", nullable: true),
                    study_description = table.Column<string>(type: "TEXT", nullable: true),
                    attributes = table.Column<byte[]>(type: "BLOB", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_studies", x => x.id);
                    table.ForeignKey(
                        name: "fk_studies_patient_row_id",
                        column: x => x.patient_row_id,
                        principalTable: "patients",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "series",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    series_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    study_row_id = table.Column<long>(type: "INTEGER", nullable: false),
                    modality = table.Column<string>(type: "TEXT", nullable: true),
                    series_number = table.Column<int>(type: "INTEGER", nullable: true),
                    series_description = table.Column<string>(type: "TEXT", nullable: true),
                    body_part_examined = table.Column<string>(type: "TEXT", nullable: true),
                    performed_procedure_step_start_date = table.Column<string>(type: "TEXT", nullable: true),
                    performed_procedure_step_start_time = table.Column<string>(type: "TEXT", nullable: true),
                    attributes = table.Column<byte[]>(type: "BLOB", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_series", x => x.id);
                    table.ForeignKey(
                        name: "fk_series_study_row_id",
                        column: x => x.study_row_id,
                        principalTable: "studies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "instances",
                columns: table => new
                {
                    watermark = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    sop_instance_uid = table.Column<string>(type: "TEXT", nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    series_row_id = table.Column<long>(type: "INTEGER", nullable: false),
                    study_row_id = table.Column<long>(type: "INTEGER", nullable: false),
                    sop_class_uid = table.Column<string>(type: "TEXT", nullable: false),
                    instance_number = table.Column<int>(type: "INTEGER", nullable: true),
                    acquisition_date_time = table.Column<string>(type: "TEXT", nullable: true),
                    rows = table.Column<int>(type: "INTEGER", nullable: true),
                    columns = table.Column<int>(type: "INTEGER", nullable: true),
                    bits_allocated = table.Column<int>(type: "INTEGER", nullable: true),
                    number_of_frames = table.Column<int>(type: "INTEGER", nullable: true),
                    transfer_syntax_uid = table.Column<string>(type: "TEXT", nullable: false),
                    sha256 = table.Column<byte[]>(type: "BLOB", nullable: false),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    blob_name = table.Column<string>(type: "TEXT", nullable: false),
                    storage_tier = table.Column<int>(type: "INTEGER", nullable: false),
                    frame_table = table.Column<byte[]>(type: "BLOB", nullable: true),
                    attributes = table.Column<byte[]>(type: "BLOB", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_instances", x => x.watermark);
                    table.ForeignKey(
                        name: "fk_instances_series_row_id",
                        column: x => x.series_row_id,
                        principalTable: "series",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_instances_study_row_id",
                        column: x => x.study_row_id,
                        principalTable: "studies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "series_request_attributes",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    series_row_id = table.Column<long>(type: "INTEGER", nullable: false),
                    scheduled_procedure_step_id = table.Column<string>(type: "TEXT", nullable: true),
                    requested_procedure_id = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_series_request_attributes", x => x.id);
                    table.ForeignKey(
                        name: "fk_series_request_attributes_series_row_id",
                        column: x => x.series_row_id,
                        principalTable: "series",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_instances_blob_name",
                table: "instances",
                column: "blob_name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_instances_series_row_id_status_instance_number",
                table: "instances",
                columns: new[] { "series_row_id", "status", "instance_number" });

            migrationBuilder.CreateIndex(
                name: "ix_instances_sop_class_uid",
                table: "instances",
                column: "sop_class_uid");

            migrationBuilder.CreateIndex(
                name: "ix_instances_sop_instance_uid_version",
                table: "instances",
                columns: new[] { "sop_instance_uid", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_instances_status_updated_at",
                table: "instances",
                columns: new[] { "status", "updated_at" });

            migrationBuilder.CreateIndex(
                name: "ix_instances_study_row_id_status",
                table: "instances",
                columns: new[] { "study_row_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_dispatched_at_id",
                table: "outbox",
                columns: new[] { "dispatched_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_patients_patient_birth_date",
                table: "patients",
                column: "patient_birth_date");

            migrationBuilder.CreateIndex(
                name: "ix_patients_patient_id",
                table: "patients",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_patients_patient_key",
                table: "patients",
                column: "patient_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_patients_patient_name",
                table: "patients",
                column: "patient_name");

            migrationBuilder.CreateIndex(
                name: "ix_series_modality_study_row_id",
                table: "series",
                columns: new[] { "modality", "study_row_id" });

            migrationBuilder.CreateIndex(
                name: "ix_series_series_instance_uid",
                table: "series",
                column: "series_instance_uid",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_series_study_row_id_series_number",
                table: "series",
                columns: new[] { "study_row_id", "series_number" });

            migrationBuilder.CreateIndex(
                name: "ix_series_request_attributes_requested_procedure_id",
                table: "series_request_attributes",
                column: "requested_procedure_id");

            migrationBuilder.CreateIndex(
                name: "ix_series_request_attributes_scheduled_procedure_step_id",
                table: "series_request_attributes",
                column: "scheduled_procedure_step_id");

            migrationBuilder.CreateIndex(
                name: "ix_series_request_attributes_series_row_id",
                table: "series_request_attributes",
                column: "series_row_id");

            migrationBuilder.CreateIndex(
                name: "ix_studies_accession_number",
                table: "studies",
                column: "accession_number");

            migrationBuilder.CreateIndex(
                name: "ix_studies_patient_row_id",
                table: "studies",
                column: "patient_row_id");

            migrationBuilder.CreateIndex(
                name: "ix_studies_study_date",
                table: "studies",
                column: "study_date");

            migrationBuilder.CreateIndex(
                name: "ix_studies_study_date_time",
                table: "studies",
                column: "study_date_time");

            migrationBuilder.CreateIndex(
                name: "ix_studies_study_instance_uid",
                table: "studies",
                column: "study_instance_uid",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "change_feed");

            migrationBuilder.DropTable(
                name: "instances");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "series_request_attributes");

            migrationBuilder.DropTable(
                name: "series");

            migrationBuilder.DropTable(
                name: "studies");

            migrationBuilder.DropTable(
                name: "patients");
        }
    }
}
