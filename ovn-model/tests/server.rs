//! The typed bindings against a real `ovsdb-server` for the vendored OVN_Northbound schema, with
//! `ovn-nbctl` as the independent writer and reader.

use std::path::PathBuf;

use ovn_model::nb::{self, Acl, AclAction, AclDirection, LogicalSwitch, LogicalSwitchPort};
use ovsdb_client::transact::{Condition, OperationResult, Transaction};
use ovsdb_client::typed::{RowRef, Table};
use ovsdb_client::{ConnectOptions, Handle, Row, Uuid, connect};
use testkit::OvsdbServer;

fn nb_server() -> OvsdbServer {
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas/ovn-nb.ovsschema");
    OvsdbServer::builder(schema).tcp(true).start()
}

async fn open(server: &OvsdbServer) -> Handle {
    let (conn, handle) = connect(&server.unix_remote(), &ConnectOptions::default())
        .await
        .expect("connect");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    handle
}

/// Every row of `T`'s table, as selected, and converted.
async fn select_all<T: Table>(handle: &Handle) -> Vec<(Row, T)> {
    let mut txn = Transaction::new(nb::DATABASE);
    txn.select(T::NAME, [], None);
    let results: Vec<OperationResult> = handle.transact(txn).await.expect("select");
    results[0]
        .rows
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|row| {
            let typed = T::from_selected_row(&row)
                .unwrap_or_else(|e| panic!("{}: {e}\nrow: {row:?}", T::NAME));
            (row, typed)
        })
        .collect()
}

/// The row without the columns that `to_row` does not write.
fn declared_columns(mut row: Row) -> Row {
    row.remove("_uuid");
    row.remove("_version");
    row
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_written_by_nbctl_convert() {
    let server = nb_server();
    server.nbctl(&[
        "ls-add",
        "sw0",
        "--",
        "lsp-add",
        "sw0",
        "p0",
        "--",
        "lsp-set-addresses",
        "p0",
        "00:00:00:00:00:01 10.0.0.1",
    ]);
    server.nbctl(&[
        "acl-add",
        "sw0",
        "to-lport",
        "1001",
        "ip4.src == 10.0.0.1",
        "allow-related",
    ]);
    let handle = open(&server).await;

    let switches = select_all::<LogicalSwitch>(&handle).await;
    let ports = select_all::<LogicalSwitchPort>(&handle).await;
    let acls = select_all::<Acl>(&handle).await;
    assert_eq!((switches.len(), ports.len(), acls.len()), (1, 1, 1));

    // Nothing is lost: the typed structs give back exactly the rows the server sent.
    for (row, typed) in &switches {
        assert_eq!(typed.to_row(), declared_columns(row.clone()));
    }
    for (row, typed) in &ports {
        assert_eq!(typed.to_row(), declared_columns(row.clone()));
    }
    for (row, typed) in &acls {
        assert_eq!(typed.to_row(), declared_columns(row.clone()));
    }

    let sw = &switches[0].1;
    let p0 = &ports[0].1;
    let acl = &acls[0].1;
    assert_eq!(sw.name, "sw0");
    assert_eq!(sw.ports, [RowRef::of(p0)].into());
    assert_eq!(sw.acls, [RowRef::of(acl)].into());
    assert_eq!(p0.name, "p0");
    assert_eq!(
        p0.addresses,
        ["00:00:00:00:00:01 10.0.0.1".to_owned()].into()
    );
    assert_eq!(p0.type_, "");
    assert_eq!(p0.enabled, None);
    assert_eq!(acl.direction, AclDirection::ToLport);
    assert_eq!(acl.action, AclAction::AllowRelated);
    assert_eq!(acl.priority, 1001);
    assert_eq!(acl.match_, "ip4.src == 10.0.0.1");
    assert!(!acl.log);

    // The UUIDs are the ones ovn-nbctl reports.
    let p0_uuid = server.nbctl(&[
        "--bare",
        "--columns=_uuid",
        "list",
        "Logical_Switch_Port",
        "p0",
    ]);
    assert_eq!(p0_uuid.trim(), p0.uuid.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_rows_inserted_are_seen_by_nbctl() {
    let server = nb_server();
    let handle = open(&server).await;

    let port_uuid: Uuid = "6f0c1a52-0000-4000-8000-000000000001".parse().unwrap();
    let acl_uuid: Uuid = "6f0c1a52-0000-4000-8000-000000000002".parse().unwrap();
    let switch_uuid: Uuid = "6f0c1a52-0000-4000-8000-000000000003".parse().unwrap();
    let mut port = LogicalSwitchPort {
        uuid: port_uuid,
        name: "p1".to_owned(),
        addresses: ["00:00:00:00:00:02 10.0.0.2".to_owned()].into(),
        ..Default::default()
    };
    port.external_ids
        .insert("owner".to_owned(), "ovn-model".to_owned());
    let acl = Acl {
        uuid: acl_uuid,
        direction: AclDirection::FromLport,
        action: AclAction::Drop,
        priority: 2000,
        match_: "ip4".to_owned(),
        ..Default::default()
    };
    let switch = LogicalSwitch {
        uuid: switch_uuid,
        name: "sw1".to_owned(),
        ports: [RowRef::of(&port)].into(),
        acls: [RowRef::of(&acl)].into(),
        ..Default::default()
    };

    let mut txn = Transaction::new(nb::DATABASE);
    txn.insert_with_uuid(LogicalSwitchPort::NAME, port.uuid, port.to_row());
    txn.insert_with_uuid(Acl::NAME, acl.uuid, acl.to_row());
    txn.insert_with_uuid(LogicalSwitch::NAME, switch.uuid, switch.to_row());
    handle.transact(txn).await.expect("insert");

    assert_eq!(
        server.nbctl(&["ls-list"]).trim(),
        format!("{switch_uuid} (sw1)")
    );
    assert_eq!(
        server.nbctl(&["lsp-list", "sw1"]).trim(),
        format!("{port_uuid} (p1)")
    );
    assert_eq!(
        server.nbctl(&["lsp-get-addresses", "p1"]).trim(),
        "00:00:00:00:00:02 10.0.0.2"
    );
    assert_eq!(
        server
            .nbctl(&["get", "Logical_Switch_Port", "p1", "external_ids:owner"])
            .trim(),
        "ovn-model"
    );
    let acls = server.nbctl(&["acl-list", "sw1"]);
    assert!(acls.contains("from-lport  2000 (ip4) drop"), "{acls}");

    // An update with the whole typed row.
    port.enabled = Some(false);
    port.tag_request = Some(7);
    let mut txn = Transaction::new(nb::DATABASE);
    txn.update(
        LogicalSwitchPort::NAME,
        [Condition::eq("_uuid", port.uuid)],
        port.to_row(),
    );
    handle.transact(txn).await.expect("update");
    assert_eq!(server.nbctl(&["lsp-get-enabled", "p1"]).trim(), "disabled");

    // And read back, the structs are equal to what was written.
    let ports = select_all::<LogicalSwitchPort>(&handle).await;
    let acls = select_all::<Acl>(&handle).await;
    let switches = select_all::<LogicalSwitch>(&handle).await;
    assert_eq!(ports[0].1, port);
    assert_eq!(acls[0].1, acl);
    assert_eq!(switches[0].1, switch);
}
